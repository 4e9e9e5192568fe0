import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Replica
import ServiceDesk
import Synchronization

/// Answers the service desk's busiest request, a message post
/// (`POST /v1/conversations/{id}/messages`), on the event loop that read it, ahead of the
/// router: no task, no hop through the structured-concurrency bridge of the connection, one
/// hop back from the thread that delivers the outcome. Under load the router's way cost a node
/// more CPU than its share of the Raft work.
///
/// It takes only what it can decide at once and the router would decide the same way: a valid
/// bearer token, a body `JSONReader` reads, an Idempotency-Key of the allowed length, a
/// conversation in this node's access entries that the caller may post to. Everything else
/// (any error to report, a conversation this node has not applied yet, attachments, a CORS
/// request, `Expect: 100-continue`, a request to close the connection) goes on to the router
/// unchanged, head and body, and gets the router's answer. A request behind one the router is
/// still answering goes to the router too, and parts read while a post is being answered wait
/// for it, so answers keep the order of the requests.
final class MessagePostHandler<Posts: ImmediateMessagePosts>: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let posts: Posts
    /// A post being read: its head, the conversation its path names, its body so far.
    private var reading: (head: HTTPRequest, conversationID: String)?
    private var body = ByteBuffer()
    /// A post proposed whose answer is not written yet.
    private var answering = false
    /// Requests passed on whose response has not ended.
    private var routedInFlight = 0
    /// Parts read while a post is answered; a socket read's worth at most, as reads then wait.
    private var held: CircularBuffer<HTTPRequestPart> = []
    private var readWaiting = false

    init(posts: Posts) {
        self.posts = posts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if answering {
            held.append(part)
        } else {
            handle(part, context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routedInFlight -= 1 }
        context.write(data, promise: promise)
    }

    /// No more socket reads once a post being answered has parts waiting behind it: what the
    /// client sends meanwhile waits in the kernel instead of here, so `held` never holds more
    /// than one read's worth. A client that waits for each answer (most do) sends nothing
    /// meanwhile, and its socket stays registered for reads: pausing them would cost two
    /// `epoll_ctl` calls a post.
    func read(context: ChannelHandlerContext) {
        if answering, !held.isEmpty {
            readWaiting = true
        } else {
            context.read()
        }
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        guard let post = reading else {
            if case .head(let head) = part {
                if routedInFlight == 0, let conversationID = messagePostConversationID(head) {
                    reading = (head, conversationID)
                    body.clear()
                    return
                }
                routedInFlight += 1
            }
            context.fireChannelRead(wrapInboundOut(part))
            return
        }
        switch part {
        case .body(var chunk):
            guard body.readableBytes + chunk.readableBytes <= posts.bodyBytesMax else {
                return passOn(post.head, then: part, context: context)
            }
            body.writeBuffer(&chunk)
        case .end(let trailers):
            guard trailers == nil,
                let proposal = posts.proposal(conversationID: post.conversationID, request: post.head, body: body)
            else { return passOn(post.head, then: part, context: context) }
            reading = nil
            answering = true
            propose(proposal, context: context)
        case .head:
            passOn(post.head, then: part, context: context)
        }
    }

    /// Hands the post read so far, and `part`, to the router.
    private func passOn(_ head: HTTPRequest, then part: HTTPRequestPart, context: ChannelHandlerContext) {
        reading = nil
        routedInFlight += 1
        context.fireChannelRead(wrapInboundOut(.head(head)))
        if body.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.body(body))) }
        body = ByteBuffer()
        handle(part, context: context)
    }

    private func propose(_ proposal: Posts.Proposal, context: ChannelHandlerContext) {
        let eventLoop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        posts.propose(proposal) { outcome in
            eventLoop.execute { bound.value.handler.answer(outcome, of: proposal, context: bound.value.context) }
        }
    }

    private func answer(_ outcome: Result<any StateMachineAnswer, ReplicaError>, of proposal: Posts.Proposal, context: ChannelHandlerContext) {
        let response = posts.response(to: outcome, of: proposal)
        var fields = response.fields
        fields[.contentLength] = String(response.body.count)
        fields[.date] = HTTPDateHeader.now
        context.write(wrapOutboundOut(.head(HTTPResponse(status: response.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: response.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        answering = false
        let replaying = !held.isEmpty
        while !answering, let part = held.popFirst() { handle(part, context: context) }
        // The router's side takes what it was handed at the end of a read cycle; these parts
        // arrive outside one.
        if replaying { context.fireChannelReadComplete() }
        if !answering, readWaiting {
            readWaiting = false
            context.read()
        }
    }
}

/// The router's decisions on a message post, taken without waiting, and the replica that
/// commits it: what `MessagePostHandler` needs.
protocol ImmediateMessagePosts: Sendable {
    associatedtype Proposal: Sendable
    var bodyBytesMax: Int { get }
    /// What the router's route would propose for this post, or nil when the route must decide
    /// (it then waits, or answers with an error).
    func proposal(conversationID: String, request: HTTPRequest, body: ByteBuffer) -> Proposal?
    func propose(_ proposal: Proposal, deliver: @escaping @Sendable (Result<any StateMachineAnswer, ReplicaError>) -> Void)
    /// The router's answer to a proposed post with this outcome.
    func response(to outcome: Result<any StateMachineAnswer, ReplicaError>, of proposal: Proposal) -> (status: HTTPResponse.Status, fields: HTTPFields, body: [UInt8])
}

/// The conversation id in the path of a post `MessagePostHandler` may take:
/// `/v1/conversations/{id}/messages` with an id of letters, digits, `-` and `_`, no query, no
/// CORS origin, no `Expect`, and a connection that stays open.
func messagePostConversationID(_ head: HTTPRequest) -> String? {
    guard head.method == .post, let path = head.path, head.headerFields[.origin] == nil,
        head.headerFields[.expect] == nil, head.headerFields[.connection]?.lowercased().contains("close") != true
    else { return nil }
    let prefix = "/v1/conversations/", suffix = "/messages"
    guard path.hasPrefix(prefix), path.hasSuffix(suffix), path.utf8.count > prefix.utf8.count + suffix.utf8.count
    else { return nil }
    let id = path.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
    guard id.count <= 128, id.allSatisfy(isPlainIDByte) else { return nil }
    return String(id)
}

private func isPlainIDByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
        true
    default:
        false
    }
}

/// The message posts of this node's API.
struct MessagePosts: ImmediateMessagePosts {
    let routes: APIRoutes

    var bodyBytesMax: Int { routes.node.options.requestBodyBytesMax }

    func propose(
        _ proposal: APIRoutes.DeskProposal, deliver: @escaping @Sendable (Result<any StateMachineAnswer, ReplicaError>) -> Void
    ) {
        routes.replica.propose(proposal.command, retryable: proposal.retryable, deliver: deliver)
    }

    func proposal(conversationID: String, request: HTTPRequest, body: ByteBuffer) -> APIRoutes.DeskProposal? {
        guard let identity = routes.authenticator.identity(authorization: request.headerFields.value(of: .authorization))
        else { return nil }
        if case .anonymous = identity { return nil }
        guard
            case .success(let key) = Result(catching: { try APIRoutes.idempotencyKey(in: request.headerFields) }),
            let fields = body.withUnsafeReadableBytes({ JSONReader.object($0) }),
            let post = APIRoutes.PostMessageRequest(fields: fields),
            let actor = try? routes.immediateAuthor(post.author, conversationID: conversationID, identity: identity)
        else { return nil }
        return APIRoutes.DeskProposal(
            APIRoutes.postMessageAction(post, conversationID: conversationID), actor: actor, idempotencyKey: key)
    }

    func response(
        to outcome: Result<any StateMachineAnswer, ReplicaError>, of proposal: APIRoutes.DeskProposal
    ) -> (status: HTTPResponse.Status, fields: HTTPFields, body: [UInt8]) {
        do {
            let answer = try outcome.mapError(routes.apiError).get()
            let (result, replayed) = try APIRoutes.deskResult(answer)
            let status = proposal.successStatus(replayed: replayed, created: .created)
            return (status, [.contentType: "application/json"], try JSONWriter.result(result))
        } catch {
            let apiError = error as? APIError ?? APIError(.internalServerError, code: "internal", message: "\(error)")
            return (apiError.status, apiError.headerFields, Array((try? apiError.body()) ?? Data()))
        }
    }
}

/// The `Date` header's value (RFC 9110's IMF-fixdate), formatted once a second.
enum HTTPDateHeader {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static var now: String {
        let second = Int(Date().timeIntervalSince1970)
        if let text = cache.withLock({ $0.second == second ? $0.text : nil }) { return text }
        let text = format(second)
        cache.withLock { $0 = (second, text) }
        return text
    }

    static func format(_ secondsSinceEpoch: Int) -> String {
        var time = time_t(secondsSinceEpoch)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
