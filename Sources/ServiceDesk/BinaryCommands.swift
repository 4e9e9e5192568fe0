/// The message command, the one every node decodes thousands of times a second, written and
/// read by hand (see `BinaryWritable`); every other command goes through `Codable`. Same bytes
/// and same acceptance as the `Codable` path, compared by the tests.

extension Command: BinaryWritable {
    func write(to output: BinaryOutput) throws {
        guard case .postMessage(let body) = action else { return try output.appendCodable(self) }
        var object = BinaryObjectWriter(output)
        object.key("actor")
        actor.write(to: output)
        object.key("body")
        body.write(to: output)
        object.fieldIfPresent("idempotencyKey", idempotencyKey)
        object.field("time", time)
        object.field("type", "postMessage")
        object.key("v")
        output.append(signed: Int64(formatVersion))
        object.end()
    }
}

extension Command: BinaryReadable {
    init(binary input: BinaryInput, at offset: Int) throws {
        var object = try BinaryObjectReader(input, at: offset, as: Command.self)
        let actor = try object.read("actor") { try Actor(binary: input, at: $0) }
        let body = try object.read("body") { $0 }
        let idempotencyKey = try object.stringIfPresent("idempotencyKey")
        let time = try object.time("time")
        let type = try object.string("type")
        let version = try object.read("v") { try input.integer(Int.self, at: $0) }
        guard Self.decodableVersions.contains(version) else { throw DeskDecodingError.unsupportedVersion(version) }
        guard type == "postMessage" else {
            self = try Command(from: BinaryDecoderImpl(input: input, offset: offset))
            return
        }
        let message = try BinaryObjectReader.naming("body") { try PostMessage(binary: input, at: body) }
        self.init(time: time, actor: actor, idempotencyKey: idempotencyKey, action: .postMessage(message), formatVersion: version)
    }
}

extension PostMessage: BinaryWritable, BinaryReadable {
    func write(to output: BinaryOutput) {
        var object = BinaryObjectWriter(output)
        object.field("attachments", attachments)
        object.fieldIfPresent("botName", botName)
        object.field("conversationID", conversationID)
        object.field("internal", `internal`)
        object.field("messageID", messageID)
        object.field("text", text)
        object.end()
    }

    init(binary input: BinaryInput, at offset: Int) throws {
        var object = try BinaryObjectReader(input, at: offset, as: PostMessage.self)
        attachments = try object.attachments("attachments")
        botName = try object.stringIfPresent("botName")
        conversationID = try object.string("conversationID")
        `internal` = try object.bool("internal")
        messageID = try object.string("messageID")
        text = try object.string("text")
    }
}

extension Actor: BinaryWritable {
    /// The synthesized form: one key naming the case, holding an object of its values.
    func write(to output: BinaryOutput) {
        var outer = BinaryObjectWriter(output)
        switch self {
        case .adminToken:
            outer.key("adminToken")
            BinaryObjectWriter(output).end()
        case .customer(let id):
            outer.key("customer")
            var values = BinaryObjectWriter(output)
            values.field("id", id)
            values.end()
        case .staff(let id, let role):
            outer.key("staff")
            var values = BinaryObjectWriter(output)
            values.field("id", id)
            values.field("role", role.rawValue)
            values.end()
        case .system:
            outer.key("system")
            BinaryObjectWriter(output).end()
        }
        outer.end()
    }
}
