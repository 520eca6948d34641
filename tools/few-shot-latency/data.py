import numpy as np, csv, os
# ../shared/benchmarks beside the checkout (read in place, never copied).
BENCH=os.path.join(os.path.dirname(os.path.abspath(__file__)),'..','..','..','shared','benchmarks')
DEV=['eyeriss','fpga','pixel3','raspi4','gold_6226','titan_rtx_1','1080ti_32','pixel2']
NBOPS=['none','skip_connect','nor_conv_1x1','nor_conv_3x3','avg_pool_3x3']
EDGES=[(1,0),(2,0),(2,1),(3,0),(3,1),(3,2)]
def live_edges(isnone):
    nz=[True,False,False,False]
    for e,(to,fr) in enumerate(EDGES):
        if not isnone[e] and nz[fr]: nz[to]=True
    re=[False,False,False,True]
    for e,(to,fr) in reversed(list(enumerate(EDGES))):
        if not isnone[e] and re[to] and nz[fr]: re[fr]=True
    if not nz[3]: return [False]*6
    return [(not isnone[e]) and nz[fr] and re[to] for e,(to,fr) in enumerate(EDGES)]
def load_nb201():
    rows=list(csv.DictReader(open(os.path.join(BENCH,'nb201','nb201_hw.csv'))))
    G=[]
    for r in rows:
        ops=[t.split('~')[0] for t in r['arch'].strip('|').replace('+','').split('|') if t]
        G.append([NBOPS.index(o) for o in ops])
    G=np.array(G)
    Y=np.array([[float(r[d+'_ms']) if r[d+'_ms']!='' else np.nan for d in DEV] for r in rows])
    return G,Y,5
def load_fbnet():
    rows=list(csv.DictReader(open(os.path.join(BENCH,'fbnet','fbnet_hw.csv'))))
    blocks=sorted({r['layer%d'%i] for r in rows for i in range(22)})
    G=np.array([[blocks.index(r['layer%d'%i]) for i in range(22)] for r in rows])
    Y=np.array([[float(r[d+'_ms']) if r[d+'_ms']!='' else np.nan for d in DEV] for r in rows])
    return G,Y,len(blocks),blocks
def onehot(G,k):
    n,D=G.shape; X=np.zeros((n,D*k)); 
    for d in range(D): X[np.arange(n),d*k+G[:,d]]=1
    return X
def nb201_live(G):
    X=onehot(G,5); L=np.zeros((len(G),31))
    for i,g in enumerate(G):
        lv=live_edges([c==0 for c in g])
        if any(lv): L[i,0]=1
        for d in range(6):
            if lv[d]: L[i,1+d*5+g[d]]=1
    return np.hstack([X,L])
