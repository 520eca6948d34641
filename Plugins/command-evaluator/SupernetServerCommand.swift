// Evaluator `supernet`: the worker is `python -m hwnas.supernet serve`, which
// answers each request with the subnet's inherited accuracy; everything else
// (workers, timeouts, failures) is the `command` evaluator's.
import Foundation
import HwnasPluginSupport

enum SupernetServerCommand {
    static func argv(_ o: PluginOptions) throws -> [String] {
        let checkpoint = try o.require("checkpoint")
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: checkpoint, isDirectory: &isDir), !isDir.boolValue else {
            throw PluginError("option 'checkpoint': no such file \(checkpoint) (python -m hwnas.supernet train writes one)")
        }
        // Absolute, so a worker started elsewhere finds the same file.
        let path = URL(fileURLWithPath: checkpoint).standardizedFileURL.path
        var argv = [o.string("python") ?? "python3", "-m", "hwnas.supernet", "serve", "--checkpoint", path,
                    "--calibration", String(try o.int("calibration")), "--threads", String(try o.int("threads")),
                    "--finetune-steps", String(try o.int("finetune_steps")), "--finetune-lr", String(try o.double("finetune_lr"))]
        if let dataset = o.string("dataset"), !dataset.isEmpty { argv += ["--dataset", dataset] }
        return argv
    }
}
