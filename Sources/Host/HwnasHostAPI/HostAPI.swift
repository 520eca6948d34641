// The host API's C functions (Sources/ABI/CHwnasHostAPI/include/hwnas_host.h is
// their contract). Each one catches every Swift error and writes it as one
// line into the caller's buffer: a bad profile, space or arch string is an
// error result, never a crash of the calling process.
import CHwnasHostAPI
import Foundation
import HwnasCore
import HwnasOps

// MARK: helpers

/// Writes `text` into the caller's error buffer (NUL-terminated, truncated).
private func report(_ text: String, _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) {
    guard let error, capacity > 0 else { return }
    let bytes = Array(text.utf8.prefix(Int(capacity) - 1))
    for (i, b) in bytes.enumerated() { error[i] = CChar(bitPattern: b) }
    error[bytes.count] = 0
}

/// Runs `body`, turning a thrown error into `failure` plus its one line.
private func call<T>(_ err: UnsafeMutablePointer<CChar>?, _ capacity: UInt32, failure: T, _ body: () throws -> T) -> T {
    do { return try body() } catch {
        report("\(error)", err, capacity)
        return failure
    }
}

private func string(_ p: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let p else { throw HwnasError("\(what) is NULL") }
    return String(cString: p)
}

/// A JSON object of options; numbers become their decimal strings.
private func options(_ p: UnsafePointer<CChar>?, _ what: String = "options") throws -> [String: String] {
    guard let p else { return [:] }
    let text = String(cString: p)
    if text.trimmingCharacters(in: .whitespaces).isEmpty { return [:] }
    guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw HwnasError("\(what): not a JSON object: \(text)")
    }
    var out: [String: String] = [:]
    for (k, v) in obj {
        switch v {
        case let s as String: out[k] = s
        case let n as NSNumber: out[k] = n.stringValue
        default: throw HwnasError("\(what): option '\(k)' must be a string or a number")
        }
    }
    return out
}

private func json(_ object: Any) throws -> UnsafeMutablePointer<CChar> {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return strdup(String(decoding: data, as: UTF8.self))!
}

/// The objects behind the API's opaque pointers: retained when handed out,
/// released by the matching close.
private func object<T: AnyObject>(_ p: OpaquePointer?, _ what: String) throws -> T {
    guard let p else { throw HwnasError("\(what) is NULL") }
    return Unmanaged<T>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
}

private func handOut<T: AnyObject>(_ o: T) -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(o).toOpaque()) }

private func release<T: AnyObject>(_ p: OpaquePointer?, _: T.Type) {
    guard let p else { return }
    Unmanaged<T>.fromOpaque(UnsafeRawPointer(p)).release()
}

private func session(_ p: OpaquePointer?) throws -> HostSession { try object(p, "session") }
private func costs(_ p: OpaquePointer?) throws -> HostCosts { try object(p, "costs") }
private func strategy(_ p: OpaquePointer?) throws -> HostedStrategy { try object(p, "strategy") }

/// The folder holding this library (the built-in plugins are built next to it).
private func libraryDirectory() -> String? {
    guard let name = hwnas_host_internal_library_file() else { return nil }
    return ((String(cString: name) as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
}

/// The nearest folder above this library holding hardware-profiles/ (the
/// project a `swift build` ran in), so a Python process anywhere finds the
/// shipped profiles and spaces.
private func projectFolder() -> String? {
    var dir = libraryDirectory() ?? ""
    while dir != "/" && !dir.isEmpty {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir + "/hardware-profiles", isDirectory: &isDir), isDir.boolValue { return dir }
        dir = (dir as NSString).deletingLastPathComponent
    }
    return nil
}

// MARK: session

@_cdecl("hwnas_host_api_version")
public func hwnas_host_api_version() -> UInt32 { 2 }

@_cdecl("hwnas_host_free")
public func hwnas_host_free(_ text: UnsafeMutablePointer<CChar>?) { free(text) }

@_cdecl("hwnas_host_open")
public func hwnas_host_open(_ pluginPath: UnsafePointer<CChar>?, _ home: UnsafePointer<CChar>?,
                            _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> OpaquePointer? {
    call(error, capacity, failure: nil) {
        // The session's own home, never the process's environment: a second
        // session with another home must not change the first one's profiles.
        // The user's folders are added to the shipped ones (the project or
        // installed package this library belongs to), never replace them.
        var homes: [String] = []
        if let home {
            for dir in String(cString: home).split(separator: ":").map(String.init) {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                    throw HwnasError("home '\(dir)' is not a folder")
                }
                homes.append(dir)
            }
        } else if let env = ProcessInfo.processInfo.environment["HWNAS_HOME"] {
            homes.append(env)
        }
        if let shipped = projectFolder() { homes.append(shipped) }
        let sessionHome = homes.isEmpty ? nil : homes.joined(separator: ":")
        let extra = pluginPath.map { String(cString: $0).split(separator: ":").map(String.init).filter { !$0.isEmpty } } ?? []
        return handOut(HostSession(pluginPaths: extra, libraryDirectory: libraryDirectory(), home: sessionHome))
    }
}

@_cdecl("hwnas_host_close")
public func hwnas_host_close(_ s: OpaquePointer?) { release(s, HostSession.self) }

@_cdecl("hwnas_host_problems")
public func hwnas_host_problems(_ s: OpaquePointer?) -> UnsafePointer<CChar>? {
    (try? session(s)).map { UnsafePointer($0.problems) }
}

@_cdecl("hwnas_host_plugins_json")
public func hwnas_host_plugins_json(_ s: OpaquePointer?, _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> UnsafeMutablePointer<CChar>? {
    call(error, capacity, failure: nil) {
        try json(try session(s).registry.descriptors.map { ["kind": $0.kind.rawValue, "id": $0.id, "file": $0.file] })
    }
}

// MARK: spaces and networks

@_cdecl("hwnas_host_space_json")
public func hwnas_host_space_json(_ s: OpaquePointer?, _ space: UnsafePointer<CChar>?, _ opts: UnsafePointer<CChar>?,
                                  _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> UnsafeMutablePointer<CChar>? {
    call(error, capacity, failure: nil) {
        let sp = try session(s).space(try string(space, "space"), options: try options(opts, "space options"))
        return try json(["name": sp.name, "dims": sp.dimNames, "choices": sp.choices, "size": sp.size,
                         "builds_networks": sp.buildsNetworks] as [String: Any])
    }
}

@_cdecl("hwnas_host_arch")
public func hwnas_host_arch(_ s: OpaquePointer?, _ space: UnsafePointer<CChar>?, _ opts: UnsafePointer<CChar>?,
                            _ genotype: UnsafePointer<Int32>?, _ nDims: UInt32,
                            _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> UnsafeMutablePointer<CChar>? {
    call(error, capacity, failure: nil) {
        let sp = try session(s).space(try string(space, "space"), options: try options(opts, "space options"))
        guard let genotype else { throw HwnasError("genotype is NULL") }
        guard Int(nDims) == sp.nDims else { throw HwnasError("space \(sp.name) has \(sp.nDims) dims, the genotype \(nDims)") }
        let g = (0..<sp.nDims).map { genotype[$0] }
        try sp.validate(g)
        return strdup(sp.canonical(g))!
    }
}

@_cdecl("hwnas_host_network_json")
public func hwnas_host_network_json(_ s: OpaquePointer?, _ space: UnsafePointer<CChar>?, _ opts: UnsafePointer<CChar>?,
                                    _ arch: UnsafePointer<CChar>?,
                                    _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> UnsafeMutablePointer<CChar>? {
    call(error, capacity, failure: nil) {
        let session = try session(s)
        let sp = try session.space(try string(space, "space"), options: try options(opts, "space options"))
        let g = try sp.parse(try string(arch, "arch"))
        let net = try session.network(sp, g)
        let data = try NetworkIRJSON.document(net, about: ["space": sp.name, "arch": sp.canonical(g)])
        return strdup(String(decoding: data, as: UTF8.self))!
    }
}

// MARK: costs

@_cdecl("hwnas_host_costs_open")
public func hwnas_host_costs_open(_ s: OpaquePointer?, _ profile: UnsafePointer<CChar>?, _ space: UnsafePointer<CChar>?,
                                  _ opts: UnsafePointer<CChar>?,
                                  _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> OpaquePointer? {
    call(error, capacity, failure: nil) {
        let session = try session(s)
        let sp = try session.space(try string(space, "space"), options: try options(opts, "space options"))
        return handOut(HostCosts(space: sp, costs: try session.costs(profile: try string(profile, "profile"), space: sp)))
    }
}

@_cdecl("hwnas_host_costs_close")
public func hwnas_host_costs_close(_ c: OpaquePointer?) { release(c, HostCosts.self) }

@_cdecl("hwnas_host_costs_metric_count")
public func hwnas_host_costs_metric_count(_ c: OpaquePointer?) -> UInt32 { UInt32((try? costs(c))?.names.count ?? 0) }

@_cdecl("hwnas_host_costs_metric_name")
public func hwnas_host_costs_metric_name(_ c: OpaquePointer?, _ index: UInt32) -> UnsafePointer<CChar>? {
    guard let c = try? costs(c), Int(index) < c.names.count else { return nil }
    return UnsafePointer(c.names[Int(index)])
}

@_cdecl("hwnas_host_costs_dims")
public func hwnas_host_costs_dims(_ c: OpaquePointer?) -> UInt32 { UInt32((try? costs(c))?.space.nDims ?? 0) }

/// genotypes[count][dims] as rows.
private func genotypeRows(_ genotypes: UnsafePointer<Int32>?, _ count: UInt32, _ dims: Int) throws -> [[Int32]] {
    guard count == 0 || genotypes != nil else { throw HwnasError("genotypes is NULL") }
    return (0..<Int(count)).map { i in (0..<dims).map { genotypes![i * dims + $0] } }
}

private func fill(_ rows: [[Double]], _ out: UnsafeMutablePointer<Double>?, _ m: Int) throws {
    guard let out else { throw HwnasError("out is NULL") }
    for (i, row) in rows.enumerated() { for j in 0..<m { out[i * m + j] = row[j] } }
}

@_cdecl("hwnas_host_costs_estimate_archs")
public func hwnas_host_costs_estimate_archs(_ c: OpaquePointer?, _ count: UInt32, _ archs: UnsafePointer<UnsafePointer<CChar>?>?,
                                            _ out: UnsafeMutablePointer<Double>?,
                                            _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> Int32 {
    call(error, capacity, failure: -1) {
        let c = try costs(c)
        guard count == 0 || archs != nil else { throw HwnasError("archs is NULL") }
        let gs = try (0..<Int(count)).map { i in try c.space.parse(try string(archs![i], "archs[\(i)]")) }
        try fill(try c.estimate(gs), out, c.names.count)
        return 0
    }
}

@_cdecl("hwnas_host_costs_estimate_genotypes")
public func hwnas_host_costs_estimate_genotypes(_ c: OpaquePointer?, _ count: UInt32, _ genotypes: UnsafePointer<Int32>?,
                                                _ out: UnsafeMutablePointer<Double>?,
                                                _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> Int32 {
    call(error, capacity, failure: -1) {
        let c = try costs(c)
        try fill(try c.estimate(try genotypeRows(genotypes, count, c.space.nDims)), out, c.names.count)
        return 0
    }
}

// MARK: strategies

@_cdecl("hwnas_host_strategy_open")
public func hwnas_host_strategy_open(_ s: OpaquePointer?, _ id: UnsafePointer<CChar>?, _ space: UnsafePointer<CChar>?,
                                     _ spaceOpts: UnsafePointer<CChar>?, _ seed: UInt64, _ budget: UInt32,
                                     _ opts: UnsafePointer<CChar>?, _ profile: UnsafePointer<CChar>?,
                                     _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> OpaquePointer? {
    call(error, capacity, failure: nil) {
        let session = try session(s)
        let sp = try session.space(try string(space, "space"), options: try options(spaceOpts, "space options"))
        let c = try profile.map { try session.costs(profile: String(cString: $0), space: sp) }
        return handOut(try HostedStrategy(registry: session.registry, id: try string(id, "strategy id"), space: sp, seed: seed,
                                          budget: Int(budget), options: try options(opts, "strategy options"), costs: c))
    }
}

@_cdecl("hwnas_host_strategy_close")
public func hwnas_host_strategy_close(_ st: OpaquePointer?) { release(st, HostedStrategy.self) }

@_cdecl("hwnas_host_strategy_dims")
public func hwnas_host_strategy_dims(_ st: OpaquePointer?) -> UInt32 { UInt32((try? strategy(st))?.dims ?? 0) }

@_cdecl("hwnas_host_strategy_ask")
public func hwnas_host_strategy_ask(_ st: OpaquePointer?, _ maxCount: UInt32, _ out: UnsafeMutablePointer<Int32>?,
                                    _ countOut: UnsafeMutablePointer<UInt32>?,
                                    _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> Int32 {
    call(error, capacity, failure: -1) {
        let st = try strategy(st)
        guard let out, let countOut else { throw HwnasError("genotypes_out or count_out is NULL") }
        countOut.pointee = 0
        guard let gs = try st.ask(max: Int(maxCount)) else { return 1 }
        for (i, g) in gs.enumerated() { for (j, v) in g.enumerated() { out[i * st.dims + j] = v } }
        countOut.pointee = UInt32(gs.count)
        return 0
    }
}

@_cdecl("hwnas_host_strategy_tell")
public func hwnas_host_strategy_tell(_ st: OpaquePointer?, _ count: UInt32, _ genotypes: UnsafePointer<Int32>?,
                                     _ objectives: UnsafePointer<Double>?,
                                     _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> Int32 {
    call(error, capacity, failure: -1) {
        let st = try strategy(st)
        guard count == 0 || objectives != nil else { throw HwnasError("objectives is NULL") }
        try st.tell(genotypes: try genotypeRows(genotypes, count, st.dims), objectives: (0..<Int(count)).map { objectives![$0] })
        return 0
    }
}

@_cdecl("hwnas_host_strategy_open_with")
public func hwnas_host_strategy_open_with(_ s: OpaquePointer?, _ configJSON: UnsafePointer<CChar>?,
                                          _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> OpaquePointer? {
    call(error, capacity, failure: nil) {
        let session = try session(s)
        let c = try ConfigObject(try string(configJSON, "config"), what: "strategy config",
                                 known: ["strategy", "space", "space_options", "seed", "budget", "strategy_options", "profile",
                                         "constraints", "objectives"])
        let sp = try session.space(try c.required("space"), options: try c.options("space_options"))
        let costs = try c.string("profile").map { try session.costs(profile: $0, space: sp) }
        guard let budget = try c.integer("budget", in: 1...Int64(UInt32.max)) else { throw HwnasError("strategy config: 'budget' is required") }
        return handOut(try HostedStrategy(registry: session.registry, id: try c.required("strategy"), space: sp, seed: try c.seed("seed") ?? 1,
                                          budget: Int(budget), options: try c.options("strategy_options"), costs: costs,
                                          constraints: try c.strings("constraints").map(Constraint.init(parsing:)),
                                          objectives: try c.strings("objectives").map(Objective.init(parsing:))))
    }
}

@_cdecl("hwnas_host_strategy_objective_count")
public func hwnas_host_strategy_objective_count(_ st: OpaquePointer?) -> UInt32 { UInt32((try? strategy(st))?.objectives.count ?? 0) }

@_cdecl("hwnas_host_strategy_user_objective_count")
public func hwnas_host_strategy_user_objective_count(_ st: OpaquePointer?) -> UInt32 { UInt32((try? strategy(st))?.userObjectiveCount ?? 0) }

@_cdecl("hwnas_host_strategy_objective")
public func hwnas_host_strategy_objective(_ st: OpaquePointer?, _ index: UInt32) -> UnsafePointer<CChar>? {
    guard let st = try? strategy(st), Int(index) < st.objectiveNames.count else { return nil }
    return UnsafePointer(st.objectiveNames[Int(index)])
}

@_cdecl("hwnas_host_strategy_tell_values")
public func hwnas_host_strategy_tell_values(_ st: OpaquePointer?, _ count: UInt32, _ genotypes: UnsafePointer<Int32>?,
                                            _ values: UnsafePointer<Double>?, _ nValues: UInt32,
                                            _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> Int32 {
    call(error, capacity, failure: -1) {
        let st = try strategy(st)
        let k = Int(nValues)
        guard count == 0 || k == 0 || values != nil else { throw HwnasError("values is NULL") }
        let rows = (0..<Int(count)).map { i in (0..<k).map { values![i * k + $0] } }
        try st.tell(genotypes: try genotypeRows(genotypes, count, st.dims), values: rows)
        return 0
    }
}

// MARK: searches

@_cdecl("hwnas_host_search")
public func hwnas_host_search(_ s: OpaquePointer?, _ configJSON: UnsafePointer<CChar>?,
                              _ evaluate: EvaluateFunction?, _ evaluateData: UnsafeMutableRawPointer?,
                              _ progress: ProgressFunction?, _ progressData: UnsafeMutableRawPointer?,
                              _ error: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) -> UnsafeMutablePointer<CChar>? {
    call(error, capacity, failure: nil) {
        let data = try HostSearch.run(session: try session(s), json: try string(configJSON, "config"), evaluate: evaluate,
                                      evaluateData: evaluateData, progress: progress, progressData: progressData)
        return strdup(String(decoding: data, as: UTF8.self))!
    }
}
