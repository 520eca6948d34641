/* A shared object without the entry function. */
int not_an_hwnas_plugin(void) { return 42; }
