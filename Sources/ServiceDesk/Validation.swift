import Foundation

/// Field checks shared by the command handlers. Each returns the value as it will be stored
/// (trimmed, lowercased, sorted) or throws ``CommandError/Code/invalid``.
extension DeskLimits {
    private static let idCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:".utf8)
    private static let languageCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)

    /// Checks what every command carries regardless of its action.
    func checkEnvelope(_ command: Command) throws(CommandError) {
        guard command.time.millisecondsSinceEpoch >= 0 else { throw .invalid("time is before the epoch") }
        if let key = command.idempotencyKey {
            guard !key.isEmpty, key.utf8.count <= idempotencyKeyBytesMax,
                key.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
            else { throw .invalid("idempotency key must be 1…\(idempotencyKeyBytesMax) visible ASCII characters") }
        }
    }

    /// Ids are short ASCII tokens without `/`, so they can be part of record keys.
    func checkID(_ id: String, _ field: String) throws(CommandError) {
        guard !id.isEmpty, id.utf8.count <= idBytesMax, id.utf8.allSatisfy(Self.idCharacters.contains) else {
            throw .invalid("\(field) must be 1…\(idBytesMax) characters of A–Z a–z 0–9 - _ . :")
        }
    }

    func name(_ value: String, _ field: String) throws(CommandError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid("\(field) must not be empty") }
        try checkNoControlCharacters(trimmed, field)
        return try bounded(trimmed, field, bytesMax: nameBytesMax)
    }

    /// Labels and names are shown in lists, headers and exports, where a control character
    /// (C0, DEL or C1) is never meant; message text keeps its line breaks.
    func checkNoControlCharacters(_ value: String, _ field: String) throws(CommandError) {
        guard controlCharactersRefused else { return }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw .invalid("\(field) must not contain control characters")
        }
    }

    func bounded(_ value: String, _ field: String, bytesMax: Int) throws(CommandError) -> String {
        guard value.utf8.count <= bytesMax else { throw .invalid("\(field) is over \(bytesMax) bytes") }
        return value
    }

    func email(_ value: String) throws(CommandError) -> String {
        let email = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.contains(where: \.isWhitespace)
        else { throw .invalid("\(value) is not an email address") }
        return try bounded(email, "email", bytesMax: emailBytesMax)
    }

    func language(_ value: String) throws(CommandError) -> String {
        guard !value.isEmpty, value.utf8.allSatisfy(Self.languageCharacters.contains) else {
            throw .invalid("language must be a BCP 47 tag such as en or zh-CN")
        }
        return try bounded(value, "language", bytesMax: shortFieldBytesMax)
    }

    func phone(_ value: String) throws(CommandError) -> String {
        let phone = value.trimmingCharacters(in: .whitespaces)
        guard !phone.isEmpty else { throw .invalid("phone must not be empty") }
        return try bounded(phone, "phone", bytesMax: shortFieldBytesMax)
    }

    /// Tags and queue names are case-insensitive labels: trimmed, lowercased, unique, sorted.
    func tags(_ values: [String]) throws(CommandError) -> [String] {
        var normalized = Set<String>()
        for value in values { normalized.insert(try label(value, "tag")) }
        guard normalized.count <= tagsMax else { throw .invalid("at most \(tagsMax) tags") }
        return normalized.sorted()
    }

    func label(_ value: String, _ field: String) throws(CommandError) -> String {
        let label = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !label.isEmpty else { throw .invalid("\(field) must not be empty") }
        try checkNoControlCharacters(label, field)
        return try bounded(label, field, bytesMax: tagBytesMax)
    }

    func externalIDs(_ values: [Channel: String]) throws(CommandError) -> [Channel: String] {
        for (channel, id) in values.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard !id.isEmpty else { throw .invalid("the \(channel.rawValue) id must not be empty") }
            _ = try bounded(id, "\(channel.rawValue) id", bytesMax: idBytesMax)
        }
        return values
    }

    func attributes(_ values: [String: String]) throws(CommandError) -> [String: String] {
        guard values.count <= attributesMax else { throw .invalid("at most \(attributesMax) attributes") }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            _ = try name(key, "attribute name")
            _ = try bounded(value, "attribute \(key)", bytesMax: attributeValueBytesMax)
        }
        return values
    }

    func attachments(_ values: [Attachment]) throws(CommandError) -> [Attachment] {
        guard values.count <= attachmentsMax else { throw .invalid("at most \(attachmentsMax) attachments") }
        for attachment in values {
            _ = try name(attachment.name, "attachment name")
            _ = try bounded(attachment.contentType, "attachment content type", bytesMax: nameBytesMax)
            guard !attachment.url.isEmpty else { throw .invalid("attachment url must not be empty") }
            _ = try bounded(attachment.url, "attachment url", bytesMax: urlBytesMax)
            guard (0...attachmentBytesMax).contains(attachment.bytes) else {
                throw .invalid("attachment size must be 0…\(attachmentBytesMax) bytes")
            }
        }
        return values
    }

    func skills(_ values: [String: Int]) throws(CommandError) -> [String: Int] {
        guard values.count <= staffListMax else { throw .invalid("at most \(staffListMax) skills") }
        var normalized: [String: Int] = [:]
        for (skill, level) in values.sorted(by: { $0.key < $1.key }) {
            let name = try label(skill, "skill")
            guard (1...5).contains(level) else { throw .invalid("skill \(name) level must be 1…5") }
            guard normalized[name] == nil else { throw .invalid("skill \(name) is listed twice") }
            normalized[name] = level
        }
        return normalized
    }

    func languages(_ values: [String]) throws(CommandError) -> [String] {
        guard values.count <= staffListMax else { throw .invalid("at most \(staffListMax) languages") }
        var unique = Set<String>()
        for value in values { unique.insert(try language(value)) }
        return unique.sorted()
    }

    func concurrentConversations(_ value: Int) throws(CommandError) -> Int {
        guard (0...concurrentConversationsLimitMax).contains(value) else {
            throw .invalid("concurrent conversations must be 0…\(concurrentConversationsLimitMax)")
        }
        return value
    }

    func passwordHash(_ value: String) throws(CommandError) -> String {
        guard !value.isEmpty else { throw .invalid("password hash must not be empty") }
        return try bounded(value, "password hash", bytesMax: passwordHashBytesMax)
    }
}
