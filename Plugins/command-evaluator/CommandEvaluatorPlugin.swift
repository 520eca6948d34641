// The library's two evaluators: `command` (any program speaking the JSON-lines
// protocol) and `supernet` (hwnas.supernet's server over the same protocol).
import Foundation
import HwnasPluginSupport

/// Options of how workers run; they never change a result.
private let workerOptions: [OptionSpec] = [
    .int("parallel", 1, 1...4096, "candidates evaluated at once").execution(),
    .int("workers", nil, 1...4096, "worker processes (default: parallel)").execution(),
    .double("timeout", 0, 0...1e9, "seconds per evaluation, 0: none").execution(),
    .double("startup_timeout", 120, 0...1e9, "seconds a worker has to say hello").execution(),
    .double("shutdown_grace", 10, 0...1e9, "seconds between closing stdin and SIGTERM").execution(),
    .string("stderr", "inherit", "the workers' stderr: inherit, null, or a file").execution(),
]

private let plugin = PluginExport(evaluators: [
    EvaluatorKind(PluginDescriptor(id: "command", name: "External program (JSON lines)",
                                   description: "Runs a user program per worker and speaks JSON lines on its stdin/stdout (options command, parallel, timeout, metric, extra_metrics, workers)",
                                   options: [.string("command", nil, "the program and its arguments (shell syntax runs under /bin/sh -c)").required(),
                                             .string("metric", "accuracy", "the objective's name"),
                                             .string("extra_metrics", "", "comma-separated extra metrics the program reports")]
                                       + workerOptions)) { space, o, log in
        try CommandEvaluator(options: o, space: space, logger: log)
    },
    EvaluatorKind(PluginDescriptor(id: "supernet", name: "Once-for-all supernet (inherited accuracy)",
                                   description: "A candidate's test accuracy with weights inherited from a supernet trained by `python -m hwnas.supernet train`, after batch-norm recalibration (needs the hwnas Python package)",
                                   options: [.string("checkpoint", nil, "the supernet checkpoint (.pt)").required(),
                                             .string("dataset", "", "the data set (default: the one the supernet was trained on)"),
                                             .int("calibration", 500, 2...1_000_000, "training samples for batch-norm recalibration"),
                                             .int("finetune_steps", 0, 0...100_000, "SGD steps on the training split before evaluating each candidate (copies; ranks closer to training alone)"),
                                             .double("finetune_lr", 0.03, 1e-9...10, "their learning rate"),
                                             .string("python", "python3", "the Python interpreter with the hwnas package").execution(),
                                             .int("threads", 1, 1...256, "PyTorch threads per worker").execution()]
                                       + workerOptions)) { space, o, log in
        try CommandEvaluator(options: o, space: space, logger: log, argv: try SupernetServerCommand.argv(o))
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
