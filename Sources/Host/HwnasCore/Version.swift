public enum HwnasVersion { public static let string = "0.1.0" }
