import Foundation

/// One opening period on a weekday, in the calendar's local time.
public struct OpeningHours: Sendable, Hashable, Codable {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int
    /// The minute of the local day the period starts, 0…1439.
    public var startMinuteOfDay: Int
    /// The minute of the local day the period ends (exclusive), after the start, at most 1440.
    public var endMinuteOfDay: Int

    public init(weekday: Int, startMinuteOfDay: Int, endMinuteOfDay: Int) {
        self.weekday = weekday
        self.startMinuteOfDay = startMinuteOfDay
        self.endMinuteOfDay = endMinuteOfDay
    }
}

/// From `utcSeconds` on (until the next change), local time is UTC plus `offsetSeconds`.
public struct OffsetChange: Sendable, Hashable, Codable {
    public var utcSeconds: Int64
    public var offsetSeconds: Int

    public init(utcSeconds: Int64, offsetSeconds: Int) {
        self.utcSeconds = utcSeconds
        self.offsetSeconds = offsetSeconds
    }
}

/// Business hours: when the clocks of the SLA policies that use this calendar run.
///
/// Determinism: `apply` never consults a time-zone database, because the nodes of a cluster
/// may have different tzdata versions. The node that proposes a create or update of a
/// calendar expands the IANA zone into ``offsetChanges`` (see ``offsetChanges(zoneIdentifier:fromYear:toYear:)``),
/// and every replica computes business time from that list alone. Before the first change
/// the first offset applies; after the last one the last offset does. When the rules of a zone
/// change (a new tzdata release), save the calendar again (any update re-expands its zone).
public struct BusinessCalendar: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// The IANA zone name, such as `Europe/Berlin`; the source of ``offsetChanges``.
    public var timeZone: String
    /// The zone's UTC offsets, oldest first.
    public var offsetChanges: [OffsetChange]
    /// Opening periods, sorted by weekday and start; periods of one weekday do not overlap.
    public var openingHours: [OpeningHours]
    /// Local dates (`YYYY-MM-DD`) on which the calendar is closed all day; sorted and unique.
    public var holidays: [String]
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, name: String, timeZone: String, offsetChanges: [OffsetChange], openingHours: [OpeningHours],
        holidays: [String] = [], createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.name = name
        self.timeZone = timeZone
        self.offsetChanges = offsetChanges
        self.openingHours = openingHours
        self.holidays = holidays
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension BusinessCalendar {
    /// The UTC offset changes of the IANA zone `zoneIdentifier` from the start of `fromYear` to
    /// the start of `toYear`, read from this process's time-zone database; `nil` for an unknown
    /// zone. Only the proposing node calls this, never `apply`. The list starts with the offset
    /// in force at the start of `fromYear` and holds only real changes of the offset.
    public static func offsetChanges(zoneIdentifier: String, fromYear: Int = 2000, toYear: Int = 2060) -> [OffsetChange]? {
        guard let zone = TimeZone(identifier: zoneIdentifier), fromYear < toYear else { return nil }
        let startSeconds = CivilDate(year: fromYear, month: 1, day: 1).daysSinceEpoch * 86_400
        let endSeconds = CivilDate(year: toYear, month: 1, day: 1).daysSinceEpoch * 86_400
        var cursor = Date(timeIntervalSince1970: TimeInterval(startSeconds))
        var changes = [OffsetChange(utcSeconds: startSeconds, offsetSeconds: zone.secondsFromGMT(for: cursor))]
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next.timeIntervalSince1970 < TimeInterval(endSeconds) {
            let offset = zone.secondsFromGMT(for: next)
            if offset != changes[changes.count - 1].offsetSeconds {
                changes.append(OffsetChange(utcSeconds: Int64(next.timeIntervalSince1970.rounded()), offsetSeconds: offset))
            }
            cursor = next
        }
        return changes
    }
}

/// A date in the proleptic Gregorian calendar, converted to and from days since 1970-01-01
/// without any calendar library (H. Hinnant's `days_from_civil`).
struct CivilDate: Sendable, Hashable {
    var year: Int
    var month: Int
    var day: Int

    /// Parses `YYYY-MM-DD` (years 1970…9999) and checks the day exists.
    init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1970...9999).contains(year), (1...12).contains(month),
            (1...Self.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    var daysSinceEpoch: Int64 {
        let shifted = Int64(month <= 2 ? year - 1 : year)
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * Int64((month + 9) % 12) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
