import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Replica
import Synchronization
import Testing
@testable import Server

/// Decides a post at once when its body is `fast…`, and leaves the rest to the router; keeps
/// each proposal's delivery for the test to call.
private final class ScriptedPosts: ImmediateMessagePosts {
    let bodyBytesMax: Int
    let proposals = Mutex<[(command: [UInt8], deliver: @Sendable (Result<any StateMachineAnswer, ReplicaError>) -> Void)]>([])

    init(bodyBytesMax: Int = 1 << 20) {
        self.bodyBytesMax = bodyBytesMax
    }

    func proposal(conversationID: String, request: HTTPRequest, body: ByteBuffer) -> [UInt8]? {
        let text = String(buffer: body)
        return text.hasPrefix("fast") ? Array("\(conversationID):\(text)".utf8) : nil
    }

    func propose(_ command: [UInt8], deliver: @escaping @Sendable (Result<any StateMachineAnswer, ReplicaError>) -> Void) {
        proposals.withLock { $0.append((command, deliver)) }
    }

    func response(
        to outcome: Result<any StateMachineAnswer, ReplicaError>, of proposal: [UInt8]
    ) -> (status: HTTPResponse.Status, fields: HTTPFields, body: [UInt8]) {
        switch outcome {
        case .success(let answer): (.created, [.contentType: "text/plain"], answer.encodedAnswer())
        case .failure: (.serviceUnavailable, [:], [])
        }
    }

    var proposed: [String] { proposals.withLock { $0.map { String(decoding: $0.command, as: UTF8.self) } } }

    /// Delivers the `index`th proposal's answer: its command back.
    func answer(_ index: Int) {
        let proposal = proposals.withLock { $0[index] }
        proposal.deliver(.success(proposal.command))
    }
}

/// Counts the socket reads that reach it.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Never
    var reads = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

/// Passes on what it reads only at the end of a read cycle, as the handler that feeds the
/// router's requests to its task does.
private final class ReadCycleGate: ChannelInboundHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    private var pending: [HTTPRequestPart] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending.append(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        for part in pending { context.fireChannelRead(wrapInboundOut(part)) }
        pending = []
        context.fireChannelReadComplete()
    }
}

@Suite struct MessagePostHandlerTests {
    private static func post(_ conversationID: String = "c1", headers: HTTPFields = [:]) -> HTTPRequest {
        HTTPRequest(method: .post, scheme: "http", authority: "node", path: "/v1/conversations/\(conversationID)/messages", headerFields: headers)
    }

    private static let get = HTTPRequest(method: .get, scheme: "http", authority: "node", path: "/v1/conversations", headerFields: [:])

    private func channel(_ posts: ScriptedPosts) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([MessagePostHandler(posts: posts), ReadCycleGate()])
        return channel
    }

    private func send(_ channel: EmbeddedChannel, _ head: HTTPRequest, body: [String] = []) throws {
        try channel.writeInbound(HTTPRequestPart.head(head))
        for chunk in body { try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: chunk))) }
        try channel.writeInbound(HTTPRequestPart.end(nil))
    }

    /// What went on to the router, each part as text.
    private func passedOn(_ channel: EmbeddedChannel) throws -> [String] {
        var parts: [String] = []
        while let part = try channel.readInbound(as: HTTPRequestPart.self) {
            switch part {
            case .head(let head): parts.append("head \(head.method) \(head.path ?? "")")
            case .body(let body): parts.append("body \(String(buffer: body))")
            case .end: parts.append("end")
            }
        }
        return parts
    }

    /// The responses written, each as status and body.
    private func answers(_ channel: EmbeddedChannel) throws -> [String] {
        var answers: [String] = []
        var current = ""
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
            switch part {
            case .head(let head):
                current = "\(head.status.code)"
                #expect(head.headerFields[.contentLength] != nil)
                #expect(head.headerFields[.date] != nil)
            case .body(let body): current += " " + String(buffer: body)
            case .end: answers.append(current)
            }
        }
        return answers
    }

    @Test func aPostItDecidesIsProposedAndAnsweredHere() throws {
        let posts = ScriptedPosts()
        let channel = try channel(posts)
        try send(channel, Self.post(), body: ["fa", "st"])
        #expect(try passedOn(channel).isEmpty)
        #expect(posts.proposed == ["c1:fast"])
        #expect(try answers(channel).isEmpty)
        posts.answer(0)
        channel.embeddedEventLoop.run()
        #expect(try answers(channel) == ["201 c1:fast"])
    }

    @Test func aPostItCannotDecideGoesToTheRouterWhole() throws {
        let posts = ScriptedPosts()
        let channel = try channel(posts)
        try send(channel, Self.post(), body: ["sl", "ow"])
        #expect(try passedOn(channel) == ["head POST /v1/conversations/c1/messages", "body slow", "end"])
        #expect(posts.proposed.isEmpty)
    }

    @Test func otherRequestsGoOnUntouched() throws {
        let posts = ScriptedPosts()
        let channel = try channel(posts)
        try send(channel, Self.get)
        try send(channel, Self.post("c1", headers: [.origin: "https://shop.example"]), body: ["fast"])
        #expect(try passedOn(channel) == [
            "head GET /v1/conversations", "end",
            "head POST /v1/conversations/c1/messages", "body fast", "end",
        ])
        #expect(posts.proposed.isEmpty)
    }

    @Test func aBodyOverTheLimitGoesToTheRouterWhole() throws {
        let posts = ScriptedPosts(bodyBytesMax: 8)
        let channel = try channel(posts)
        try send(channel, Self.post(), body: ["fastfast", "x"])
        #expect(try passedOn(channel) == ["head POST /v1/conversations/c1/messages", "body fastfast", "body x", "end"])
        #expect(posts.proposed.isEmpty)
    }

    /// HTTP/1.1 answers in request order: while the router answers a request, a post behind it
    /// is the router's too.
    @Test func aPostBehindARequestTheRouterAnswersGoesToTheRouter() throws {
        let posts = ScriptedPosts()
        let channel = try channel(posts)
        try send(channel, Self.get)
        try send(channel, Self.post(), body: ["fast"])
        #expect(try passedOn(channel).count == 5)
        #expect(posts.proposed.isEmpty)
        // The router answers both; the next post is taken here again.
        for _ in 0..<2 {
            try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            try channel.writeOutbound(HTTPResponsePart.end(nil))
        }
        try send(channel, Self.post("c2"), body: ["fast"])
        #expect(try passedOn(channel).isEmpty)
        #expect(posts.proposed == ["c2:fast"])
    }

    @Test func requestsReadWhileAPostIsAnsweredWaitForItsAnswer() throws {
        let posts = ScriptedPosts()
        let channel = try channel(posts)
        try send(channel, Self.post("c1"), body: ["fast-1"])
        try send(channel, Self.post("c2"), body: ["fast-2"])
        try send(channel, Self.get)
        #expect(try passedOn(channel).isEmpty)
        #expect(posts.proposed == ["c1:fast-1"])
        posts.answer(0)
        channel.embeddedEventLoop.run()
        // The second post, held, is proposed once the first is answered; the request after it
        // waits in turn.
        #expect(try answers(channel) == ["201 c1:fast-1"])
        #expect(posts.proposed == ["c1:fast-1", "c2:fast-2"])
        #expect(try passedOn(channel).isEmpty)
        posts.answer(1)
        channel.embeddedEventLoop.run()
        #expect(try answers(channel) == ["201 c2:fast-2"])
        #expect(try passedOn(channel) == ["head GET /v1/conversations", "end"])
    }

    /// A client that waits for each answer keeps its socket registered for reads (pausing them
    /// costs two `epoll_ctl` calls a post); once parts wait behind a post being answered, socket
    /// reads wait for its answer, so no more than one read's worth is held.
    @Test func socketReadsWaitOncePartsWaitBehindAPost() throws {
        let posts = ScriptedPosts()
        let counter = ReadCounter()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([counter, MessagePostHandler(posts: posts)])
        channel.read()
        #expect(counter.reads == 1)
        try send(channel, Self.post(), body: ["fast"])
        channel.read()
        #expect(counter.reads == 2, "nothing waits behind the post")
        try send(channel, Self.get)
        channel.read()
        channel.read()
        #expect(counter.reads == 2, "a request waits behind the post")
        posts.answer(0)
        channel.embeddedEventLoop.run()
        #expect(try answers(channel) == ["201 c1:fast"])
        #expect(try passedOn(channel) == ["head GET /v1/conversations", "end"])
        #expect(counter.reads == 3)
        channel.read()
        #expect(counter.reads == 4)
    }

    @Test func onlyPlainMessagePostPathsAreTaken() {
        func id(_ path: String, method: HTTPRequest.Method = .post, headers: HTTPFields = [:]) -> String? {
            messagePostConversationID(HTTPRequest(method: method, scheme: "http", authority: "node", path: path, headerFields: headers))
        }
        #expect(id("/v1/conversations/ab-C_9/messages") == "ab-C_9")
        #expect(id("/v1/conversations/ab/messages", method: .get) == nil)
        #expect(id("/v1/conversations//messages") == nil)
        #expect(id("/v1/conversations/a%20b/messages") == nil)
        #expect(id("/v1/conversations/a/b/messages") == nil)
        #expect(id("/v1/conversations/ab/messages?x=1") == nil)
        #expect(id("/v1/conversations/ab/messages/") == nil)
        #expect(id("/v1/conversations/" + String(repeating: "a", count: 129) + "/messages") == nil)
        #expect(id("/v1/conversations/ab/messages", headers: [.connection: "close"]) == nil)
        #expect(id("/v1/conversations/ab/messages", headers: [.expect: "100-continue"]) == nil)
        #expect(id("/v1/conversations/ab/messages", headers: [.origin: "https://shop.example"]) == nil)
        #expect(id("/v1/conversations/ab/messages", headers: [.connection: "keep-alive"]) == "ab")
    }

    @Test func theDateHeaderIsAnIMFFixdate() {
        #expect(HTTPDateHeader.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDateHeader.format(1_796_641_486) == "Mon, 07 Dec 2026 11:04:46 GMT")
    }
}
