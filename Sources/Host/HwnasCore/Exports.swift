// Modules the host's users get with `import HwnasCore`.
@_exported import HwnasSplitMix
@_exported import HwnasNetworkIR
@_exported import HwnasOutputFile
@_exported import HwnasCallGuard
@_exported import HwnasCForms
@_exported import HwnasRecords
