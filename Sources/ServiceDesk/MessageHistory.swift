/// Where the desk's records can be read back in key order: the node's `state` column family,
/// to which the record changes of every accepted command are written.
public protocol RecordSource {
    /// Up to `limit` records with keys from `start` (inclusive) to `end` (exclusive), in key order.
    func records(from start: [UInt8], to end: [UInt8], limit: Int) throws -> [(key: [UInt8], value: [UInt8])]
}

/// One page of a conversation's messages, bounded by what the desk knew when it was asked.
///
/// The desk keeps no message in memory, only each conversation's last seq: apply needs nothing
/// else, and a restart then loads no message. A message record never changes once written, and
/// a node writes a command's records before it serves a read that sees the command, so the page
/// can be read from the store afterwards, on any thread, and is the same page.
public struct MessagePage: Sendable, Hashable {
    public let conversationID: String
    /// Messages after this seq are wanted.
    public let afterSeq: UInt64
    /// The conversation's last seq when the desk was asked.
    public let lastSeq: UInt64
    /// Visible messages wanted, at most.
    public let size: Int
    /// Whether internal notes are shown; customers never see them.
    public let includeInternal: Bool

    /// Records read per store call: enough for a page of public messages among a few notes.
    static let chunkRecordsMin = 16

    /// The page's messages, oldest first. A record that is missing, out of place or undecodable
    /// is reported, never skipped: it means a damaged store.
    public func read(from source: some RecordSource) throws -> [Message] {
        // `afterSeq` comes from the client and may be any number, up to UInt64.max.
        guard afterSeq < lastSeq else { return [] }
        var found: [Message] = []
        var nextSeq = afterSeq + 1
        while found.count < size, nextSeq <= lastSeq {
            let count = Int(min(UInt64(max(size - found.count, Self.chunkRecordsMin)), lastSeq - nextSeq + 1))
            let records = try source.records(
                from: RecordKey.message(conversationID, seq: nextSeq),
                to: RecordKey.message(conversationID, seq: nextSeq + UInt64(count)), limit: count)
            guard records.count == count else {
                throw DeskDecodingError.malformed("messages of conversation \(conversationID) are missing")
            }
            for record in records where found.count < size {
                let message = try message(in: record, seq: nextSeq)
                nextSeq += 1
                if includeInternal || !message.internal { found.append(message) }
            }
        }
        return found
    }

    private func message(in record: (key: [UInt8], value: [UInt8]), seq: UInt64) throws(DeskDecodingError) -> Message {
        guard case .message(let message) = try StoredRecord.decode(record.value),
            RecordKey.isMessageKey(record.key, conversationID: conversationID, seq: seq),
            message.conversationID == conversationID, message.seq == seq
        else { throw .malformed("message \(seq) of conversation \(conversationID) is damaged") }
        return message
    }
}

extension Desk {
    /// The page of messages of `conversationID` with seq greater than `afterSeq`, oldest first,
    /// to be read from the store; `nil` if there is no such conversation. Customers' views pass
    /// `includeInternal: false` so internal notes never reach them.
    public func messagePage(
        conversationID: String, afterSeq: UInt64 = 0, limit: Int, includeInternal: Bool = true
    ) -> MessagePage? {
        guard let conversation = conversations[conversationID] else { return nil }
        return MessagePage(
            conversationID: conversationID, afterSeq: afterSeq, lastSeq: conversation.lastMessageSeq,
            size: pageSize(limit), includeInternal: includeInternal)
    }
}
