/// Why `apply` rejected a command. A rejected command changes nothing.
public struct CommandError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kind of rejection; the server maps it to an HTTP status.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// A field is missing, malformed or over a limit (400).
        case invalid
        /// The actor may not do this (403).
        case forbidden
        /// A referenced entity does not exist (404).
        case notFound
        /// The command clashes with the current state: a duplicate id, email or shortcut,
        /// or a status change the conversation's status does not allow (409).
        case conflict
    }

    public var code: Code
    /// A sentence for the caller; never contains secrets.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    static func invalid(_ message: String) -> CommandError { CommandError(.invalid, message) }
    static func forbidden(_ message: String) -> CommandError { CommandError(.forbidden, message) }
    static func notFound(_ message: String) -> CommandError { CommandError(.notFound, message) }
    static func conflict(_ message: String) -> CommandError { CommandError(.conflict, message) }
}
