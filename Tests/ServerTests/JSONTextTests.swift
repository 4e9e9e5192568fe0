import Foundation
import HTTPTypes
import Testing
@testable import Server
import RaftCore
import ServiceDesk

/// Strings with every character class JSON text treats differently.
private let awkwardStrings: [String] = [
    "", "plain", "quote \" backslash \\ slash / end", "tab\tnew\nline\r\u{8}\u{C}",
    String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }), "\u{7F} del", "é ü ß 中文 😀 \u{2028}\u{2029}",
    "</script>", "{\"json\":[1,2]}", "\u{FEFF}bom", String(repeating: "long ", count: 200),
]

private func randomString(_ generator: inout some RandomNumberGenerator) -> String {
    let pieces = awkwardStrings + ["a", "Z", "0", " ", "\\u0041", "%", "ø"]
    return (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
}

private func randomMessage(_ generator: inout some RandomNumberGenerator) -> ServiceDesk.Message {
    let attachments = (0..<Int.random(in: 0...2, using: &generator)).map { _ in
        ServiceDesk.Attachment(
            name: randomString(&generator), contentType: randomString(&generator),
            bytes: Int64.random(in: Int64.min...Int64.max, using: &generator), url: randomString(&generator))
    }
    return ServiceDesk.Message(
        id: randomString(&generator), conversationID: randomString(&generator), seq: UInt64.random(in: 0...UInt64.max, using: &generator),
        author: MessageAuthor(type: AuthorType.allCases.randomElement(using: &generator)!, id: randomString(&generator)),
        text: randomString(&generator), attachments: attachments, internal: Bool.random(using: &generator),
        createdAt: Timestamp(millisecondsSinceEpoch: Int64.random(in: -1...Int64.max, using: &generator)),
        index: UInt64.random(in: 0...UInt64.max, using: &generator))
}

@Suite struct JSONWriterTests {
    @Test func messagesMatchTheFoundationEncoderByteForByte() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let message = randomMessage(&generator)
            let expected = Array(try JSONEncoder.sorted.encode(ResultView(.message(message))))
            #expect(try JSONWriter.result(.message(message)) == expected, "\(message)")
        }
    }

    @Test func everyStringEscapesAsFoundationEscapes() throws {
        for text in awkwardStrings + (0..<0x80).map({ String(Character(Unicode.Scalar(UInt8($0)))) }) {
            var writer = JSONWriter()
            writer.string(text)
            #expect(writer.bytes == Array(try JSONEncoder.sorted.encode(text)), "\(Array(text.utf8))")
        }
    }

    @Test func otherResultsGoThroughTheEncoder() throws {
        let customer = Customer(
            id: "c1", name: "Ada", email: "ada@example.com", createdAt: Timestamp(millisecondsSinceEpoch: 5),
            updatedAt: Timestamp(millisecondsSinceEpoch: 6))
        #expect(try JSONWriter.result(.customer(customer)) == Array(try JSONEncoder.sorted.encode(ResultView(.customer(customer)))))
    }
}

@Suite struct RandomIDTests {
    @Test func idsAreVersionFourUUIDsInLowercase() {
        var seen = Set<String>()
        for _ in 0..<1_000 {
            let id = RandomID.make()
            let uuid = UUID(uuidString: id)
            #expect(uuid != nil && uuid!.uuidString.lowercased() == id)
            let characters = Array(id)
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
            seen.insert(id)
        }
        #expect(seen.count == 1_000)
    }

    @Test func theTextIsTheUUIDOfTheBits() {
        let text = RandomID.text(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)
        #expect(text == "01234567-89ab-4def-bedc-ba9876543210")
    }
}

@Suite struct JSONReaderTests {
    private typealias Body = APIRoutes.PostMessageRequest

    private func fast(_ text: String) -> Body? {
        Array(text.utf8).withUnsafeBytes { bytes in JSONReader.object(bytes).flatMap(Body.init(fields:)) }
    }

    private func reference(_ text: String) -> Body? {
        try? decodeJSON(Body.self, from: Data(text.utf8))
    }

    private func same(_ left: Body, _ right: Body) -> Bool {
        left.text == right.text && left.internal == right.internal && left.author?.type == right.author?.type
            && left.author?.id == right.author?.id && left.attachments == right.attachments
    }

    @Test func theUsualBodiesAreReadWithoutTheDecoder() throws {
        let bodies = [
            #"{"author":{"type":"customer"},"text":"Hello, my parcel has not arrived yet. Order 12345"}"#,
            #"{"text":"hi"}"#,
            #" { "text" : "a\"b\\c\/d\n\u00e9\ud83d\ude00" , "internal" : true , "author" : { "type" : "agent" , "id" : "s1" } } "#,
            #"{"text":"x","internal":null,"author":null}"#,
            #"{"author":{"type":"bot","id":null,"extra":"ignored"},"text":"中文"}"#,
        ]
        for body in bodies {
            let read = try #require(fast(body), "\(body)")
            let decoded = try #require(reference(body))
            #expect(same(read, decoded), "\(body)")
        }
        #expect(fast(#"{"text":"a\"b\\c\/d\n\u00e9\ud83d\ude00"}"#)?.text == "a\"b\\c/d\n\u{E9}😀")
    }

    @Test func otherShapesAndErrorsAreLeftToTheDecoder() {
        let bodies = [
            #"{"text":"x","attachments":[]}"#, #"{"text":"x","unknown":"y"}"#, #"{"text":"x","text":"y"}"#,
            #"{"text":5}"#, #"{"text":"\ud800"}"#, #"{"text":"\udc00x"}"#, #"{"text":"\u0000"}"#, #"{"text":"x"} trailing"#,
            #"{"text":"x",}"#, #"{"author":{"type":"robot"},"text":"x"}"#, #"{"author":{"type":"agent","id":7},"text":"x"}"#,
            #"{"internal":"yes","text":"x"}"#, #"{"author":{"id":"s1"},"text":"x"}"#, "[]", "", "{", #"{"text":"x""#,
            "{\"text\":\"tab\tinside\"}", #"{"text":"\x"}"#, #"{"text":"\u12"}"#, #"{"author":{"type":"agent","a":{"b":{}}},"text":"x"}"#,
        ]
        for body in bodies { #expect(fast(body) == nil, "\(body)") }
        #expect(Array("{\"text\":\"\u{FF}\"}".utf8).dropLast(3).withUnsafeBytes { JSONReader.object($0) } == nil)
        let invalidUTF8: [UInt8] = Array(#"{"text":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(invalidUTF8.withUnsafeBytes { JSONReader.object($0) } == nil)
        let escapedThenInvalid: [UInt8] = Array(#"{"text":"a\n"#.utf8) + [0xF0, 0x9F, 0x98] + Array(#""}"#.utf8)
        #expect(escapedThenInvalid.withUnsafeBytes { JSONReader.object($0) } == nil)
        let escapedValid = Array(#"{"text":"a\nüb"}"#.utf8)
        #expect(escapedValid.withUnsafeBytes { JSONReader.object($0) }?.first?.value == .string("a\nüb"))
    }

    /// Bodies made of random pieces, most of them malformed: whatever the reader accepts, the
    /// decoder accepts with the same value.
    @Test func whatTheReaderAcceptsTheDecoderReadsAlike() throws {
        var generator = SplitMix64(seed: 11)
        let pieces = [
            "{", "}", "\"text\"", "\"author\"", "\"internal\"", "\"type\"", "\"id\"", "\"customer\"", "\"agent\"", ":", ",", " ",
            "true", "false", "null", "\"a\\nb\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"x\"", "1", "[", "]", "\"\\\"\"",
        ]
        var accepted = 0
        for _ in 0..<20_000 {
            var body = "{\"text\":" + pieces.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 0...10, using: &generator) { body += pieces.randomElement(using: &generator)! }
            body += Bool.random(using: &generator) ? "}" : ""
            guard let read = fast(body) else { continue }
            accepted += 1
            let decoded = try #require(reference(body), "\(body)")
            #expect(same(read, decoded), "\(body)")
        }
        #expect(accepted > 50)
    }
}

@Suite struct HeaderValueTests {
    /// `value(of:)` answers as the subscript does: one value as it is, a repeated field's
    /// values joined, an absent field nil, names in any case.
    @Test func valuesAreTheSubscriptsAnswers() {
        var fields = HTTPFields()
        fields.append(HTTPField(name: .authorization, value: "Bearer a"))
        fields.append(HTTPField(name: .contentType, value: "application/json"))
        fields.append(HTTPField(name: HTTPField.Name("idempotency-key")!, value: "k1"))
        #expect(fields.value(of: .authorization) == "Bearer a")
        #expect(fields.value(of: .idempotencyKey) == "k1")
        #expect(fields.value(of: .accept) == nil)
        fields.append(HTTPField(name: .authorization, value: "Bearer b"))
        #expect(fields.value(of: .authorization) == fields[.authorization])
        #expect(fields.value(of: .authorization) == "Bearer a, Bearer b")
        for name in [HTTPField.Name.authorization, .contentType, .idempotencyKey, .accept] {
            #expect(fields.value(of: name) == fields[name])
        }
    }
}
