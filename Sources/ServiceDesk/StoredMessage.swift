/// A message as the desk keeps it: the bytes of its stored record, decoded when read.
///
/// Messages are most of a desk, and apply never reads one back (a new message needs only its
/// conversation's last seq), so the desk holds them in their compact stored form. A restart
/// then reads of each message only the fields that index it (`StoredMessage.Header`) instead
/// of decoding every one, and memory holds bytes rather than decoded strings.
struct StoredMessage: Sendable {
    /// The record as written to the `state` column family (`StoredRecord.message`).
    let record: [UInt8]

    /// Keeps `record` in an array of its exact size: an encoder's output has room to spare,
    /// and a desk holds millions of these.
    init(record: [UInt8]) {
        self.record = record.capacity > record.count ? Array(record[...]) : record
    }

    /// The message. The record was written by this desk or checked when it was loaded, so it
    /// decodes; if it does not, the stored state is corrupt and the node must not go on.
    var message: Message {
        guard case .message(let message)? = try? StoredRecord.decode(record) else {
            preconditionFailure("a stored message record no longer decodes")
        }
        return message
    }

    /// What a restart reads of a stored message.
    struct Header: Sendable, Hashable {
        var id: String
        var conversationID: String
        var seq: UInt64
    }

    /// Reads the header of a message record, checking the record's structure but not decoding
    /// the rest; records written as JSON by earlier builds are decoded whole.
    static func header(of record: [UInt8]) throws(DeskDecodingError) -> Header {
        guard record.first == BinaryCoding.marker else {
            guard case .message(let message) = try StoredRecord.decode(record) else {
                throw .malformed("a message key holds another kind of record")
            }
            return Header(id: message.id, conversationID: message.conversationID, seq: message.seq)
        }
        do {
            let input = try BinaryInput(checking: record)
            let version = try input.integer(Int.self, at: input.field("v", inObjectAt: 1))
            guard version == StoredRecord.encodingVersion else { throw DeskDecodingError.unsupportedVersion(version) }
            guard try input.string(at: input.field("type", inObjectAt: 1)) == "message" else {
                throw DeskDecodingError.malformed("a message key holds another kind of record")
            }
            let value = try input.field("value", inObjectAt: 1)
            return Header(
                id: try input.string(at: input.field("id", inObjectAt: value)),
                conversationID: try input.string(at: input.field("conversationID", inObjectAt: value)),
                seq: try input.integer(UInt64.self, at: input.field("seq", inObjectAt: value)))
        } catch let error as DeskDecodingError {
            throw error
        } catch {
            throw .malformed("message record: \(error)")
        }
    }
}

extension StoredMessage: Hashable {
    /// Equal when the messages are: the same message may be stored as JSON (by an earlier
    /// build) or in the binary form.
    static func == (lhs: StoredMessage, rhs: StoredMessage) -> Bool {
        lhs.record == rhs.record || lhs.message == rhs.message
    }

    func hash(into hasher: inout Hasher) { hasher.combine(message) }
}
