/// Bounds on everything the desk stores, so that one command, one record and the whole state
/// stay bounded in size.
///
/// The limits take part in `apply`, so every replica of one cluster must use the same values;
/// the server passes ``standard``. Tests pass smaller values to reach the bounds quickly.
public struct DeskLimits: Sendable, Hashable {
    /// Longest id (customer, conversation, message, staff, team, canned response), in UTF-8 bytes.
    public var idBytesMax = 128
    /// Longest person or team name, canned response title or shortcut, in UTF-8 bytes.
    public var nameBytesMax = 200
    /// Longest email address (RFC 5321 path limit), in UTF-8 bytes.
    public var emailBytesMax = 254
    /// Longest phone number or language tag, in UTF-8 bytes.
    public var shortFieldBytesMax = 64
    /// Longest message or canned response text, in UTF-8 bytes.
    public var textBytesMax = 64 * 1_024
    /// Longest conversation subject or team description, in UTF-8 bytes.
    public var subjectBytesMax = 1_000
    /// Most tags on one conversation.
    public var tagsMax = 20
    /// Longest tag or queue name, in UTF-8 bytes.
    public var tagBytesMax = 64
    /// Whether labels (tags, queues, skills, shortcuts) and names refuse control characters.
    /// `Desk.apply` sets it for each command from its format version (format 1 accepted them).
    public var controlCharactersRefused = true
    /// Most attachments on one message.
    public var attachmentsMax = 10
    /// Longest attachment URL, in UTF-8 bytes.
    public var urlBytesMax = 2_048
    /// Largest attachment size a message may claim, in bytes.
    public var attachmentBytesMax: Int64 = 100 * 1_024 * 1_024
    /// Most custom attributes on one customer.
    public var attributesMax = 50
    /// Longest custom attribute value, in UTF-8 bytes.
    public var attributeValueBytesMax = 1_024
    /// Most skills, languages or teams on one staff user.
    public var staffListMax = 50
    /// Highest number of concurrent conversations a staff user may be configured for.
    public var concurrentConversationsLimitMax = 200
    /// Longest password hash, in UTF-8 bytes (the hash is computed by the server).
    public var passwordHashBytesMax = 512
    /// Most messages in one conversation; a longer thread must continue in a new conversation.
    public var messagesPerConversationMax = 100_000
    /// Longest idempotency key, in UTF-8 bytes.
    public var idempotencyKeyBytesMax = 128
    /// How many log indexes an idempotency key is remembered for.
    public var idempotencyWindowIndexes: UInt64 = 200_000
    /// Most idempotency keys remembered at once; the oldest is forgotten first.
    public var idempotencyEntriesMax = 50_000
    /// Most audit entries kept; the oldest is dropped first.
    public var auditEntriesMax = 100_000
    /// Largest page any query returns.
    public var pageSizeMax = 500
    /// Most routing queues.
    public var queuesMax = 200
    /// Most routing rules; every new conversation without a queue is checked against all.
    public var routingRulesMax = 200
    /// Highest routing rule position (the lowest is 0).
    public var routingRulePositionMax = 1_000_000
    /// Most values in one routing condition list (channels, languages, sentiments).
    public var routingConditionValuesMax = 20
    /// Most agents remembered as having declined one conversation; the oldest is forgotten first.
    public var declinedByMax = 20
    /// Longest offer timeout, in seconds.
    public var offerTimeoutSecondsMax = 3_600
    /// Longest overflow or stickiness wait, in seconds.
    public var queueWaitSecondsMax = 7 * 24 * 3_600
    /// Longest rating comment, in UTF-8 bytes.
    public var ratingCommentBytesMax = 2_000
    /// Most comments on one ticket; a longer thread must continue in a new ticket.
    public var ticketCommentsMax = 5_000
    /// Most history entries of one ticket; every change writes one, so a ticket that reaches
    /// this takes no more changes.
    public var ticketHistoryEntriesMax = 20_000
    /// Most custom fields on one ticket.
    public var ticketFieldsMax = 50
    /// Longest custom field value, in UTF-8 bytes.
    public var ticketFieldValueBytesMax = 1_024
    /// Most watchers of one ticket.
    public var watchersMax = 50
    /// Most SLA policies.
    public var slaPoliciesMax = 100
    /// Longest SLA target, warning or reminder interval, in business minutes (about ten
    /// weeks around the clock).
    public var slaTargetMinutesMax = 100_000
    /// Most business-hours calendars.
    public var businessCalendarsMax = 100
    /// Most opening periods in one calendar's week.
    public var openingHoursMax = 50
    /// Fewest open minutes a calendar's week must have, so that business-time searches end
    /// soon (see `BusinessClock.searchDaysMax`).
    public var weeklyBusinessMinutesMin = 60
    /// Most holidays in one calendar.
    public var holidaysMax = 1_000
    /// Most UTC offset changes in one calendar (two a year for 200 years, with room).
    public var offsetChangesMax = 500
    /// Most notifications kept in the outbox; the oldest is dropped first.
    public var outboxItemsMax = 10_000
    /// Most delivery attempts of one outbox item; after the last failure it is `failed`.
    public var outboxAttemptsMax = 10

    /// The limits every production replica uses.
    public static let standard = DeskLimits()

    /// Creates the standard limits; change single fields afterwards where needed.
    public init() {}
}
