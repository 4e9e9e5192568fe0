import RaftCore
import Storage

/// A replicated map of versioned registers: the cluster's built-in state machine, used by the
/// cluster tests, the load generator and the chaos harness's linearizability workload.
/// Each register has a value and a version that every successful write increments, so
/// compare-and-set by version gives clients a precondition.
public final class RegisterStore: ReplicatedStateMachine {
    public struct Register: Sendable, Hashable {
        public var value: [UInt8]
        public var version: UInt64
    }

    /// A register command as proposed through the log.
    public enum Command: Sendable, Hashable {
        case put(key: String, value: [UInt8])
        /// Writes only if the register's version is `expectedVersion` (0: the register is absent).
        case compareAndSet(key: String, expectedVersion: UInt64, value: [UInt8])
    }

    /// The answer to a command.
    public enum Outcome: Sendable, Hashable {
        case written(version: UInt64)
        case conflict(currentVersion: UInt64)
        case invalid
    }

    static let keyPrefix: UInt8 = UInt8(ascii: "r")
    static let keyBytesMax = 1_024
    static let valueBytesMax = 1 << 20

    private var registers: [String: Register] = [:]

    public init() {}

    public func get(_ key: String) -> Register? { registers[key] }
    public var count: Int { registers.count }

    public func apply(_ data: [UInt8], index: LogIndex, answerWanted: Bool, changes: inout WriteBatch) -> any StateMachineAnswer {
        guard let command = try? Self.decode(data) else { return Self.encode(.invalid) }
        switch command {
        case .put(let key, let value):
            return Self.encode(write(key, value, changes: &changes))
        case .compareAndSet(let key, let expected, let value):
            let current = registers[key]?.version ?? 0
            guard current == expected else { return Self.encode(.conflict(currentVersion: current)) }
            return Self.encode(write(key, value, changes: &changes))
        }
    }

    private func write(_ key: String, _ value: [UInt8], changes: inout WriteBatch) -> Outcome {
        let register = Register(value: value, version: (registers[key]?.version ?? 0) + 1)
        registers[key] = register
        changes.put(Self.storageKey(key), Self.encodeRegister(register), in: .state)
        return .written(version: register.version)
    }

    public func load(from database: Database, appliedIndex: LogIndex) throws {
        registers = [:]
        for item in try database.scan(.state, range: .prefix([Self.keyPrefix])) {
            let key = String(decoding: item.key.dropFirst(), as: UTF8.self)
            registers[key] = try Self.decodeRegister(item.value)
        }
    }

    // MARK: - Encoding

    static func storageKey(_ key: String) -> [UInt8] { [keyPrefix] + Array(key.utf8) }

    static func encodeRegister(_ register: Register) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(register.version)
        writer.writeRaw(register.value)
        return writer.bytes
    }

    static func decodeRegister(_ bytes: [UInt8]) throws(EnvelopeError) -> Register {
        var reader = ByteReader(bytes)
        let version = try reader.readUInt64()
        return Register(value: reader.readRemaining(), version: version)
    }

    /// Binary command form: op(1) key(length-prefixed) [expectedVersion(8)] value(rest).
    public static func encode(_ command: Command) -> [UInt8] {
        var writer = ByteWriter()
        switch command {
        case .put(let key, let value):
            writer.write(UInt8(1))
            writer.write(key)
            writer.writeRaw(value)
        case .compareAndSet(let key, let expected, let value):
            writer.write(UInt8(2))
            writer.write(key)
            writer.write(expected)
            writer.writeRaw(value)
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(EnvelopeError) -> Command {
        var reader = ByteReader(bytes)
        let op = try reader.readUInt8()
        let key = try reader.readString()
        guard !key.isEmpty, key.utf8.count <= keyBytesMax else { throw .malformed("bad key length") }
        switch op {
        case 1:
            return .put(key: key, value: try readValue(&reader))
        case 2:
            let expected = try reader.readUInt64()
            return .compareAndSet(key: key, expectedVersion: expected, value: try readValue(&reader))
        default:
            throw .malformed("unknown register op \(op)")
        }
    }

    private static func readValue(_ reader: inout ByteReader) throws(EnvelopeError) -> [UInt8] {
        let value = reader.readRemaining()
        guard value.count <= valueBytesMax else { throw .malformed("value over \(valueBytesMax) bytes") }
        return value
    }

    public static func encode(_ outcome: Outcome) -> [UInt8] {
        var writer = ByteWriter()
        switch outcome {
        case .written(let version):
            writer.write(UInt8(1))
            writer.write(version)
        case .conflict(let current):
            writer.write(UInt8(2))
            writer.write(current)
        case .invalid:
            writer.write(UInt8(3))
        }
        return writer.bytes
    }

    public static func decodeOutcome(_ bytes: [UInt8]) throws(EnvelopeError) -> Outcome {
        var reader = ByteReader(bytes)
        switch try reader.readUInt8() {
        case 1: return .written(version: try reader.readUInt64())
        case 2: return .conflict(currentVersion: try reader.readUInt64())
        case 3: return .invalid
        case let tag: throw .malformed("unknown outcome \(tag)")
        }
    }
}
