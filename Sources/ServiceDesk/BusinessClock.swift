/// Business-time arithmetic over one calendar, computed from the calendar's stored offset
/// table alone (never from a time-zone database), so every replica gets the same instants.
///
/// Time is in UTC milliseconds. The UTC line is cut into pieces at the offset changes; inside
/// one piece local time is UTC plus a constant, so each local day's opening periods map to
/// UTC by subtracting that constant. A period that spans a change (a clock moved forward or
/// back) is split between two pieces and counts the real time that passed.
struct BusinessClock {
    private static let dayMilliseconds: Int64 = 86_400_000
    private static let minuteMilliseconds: Int64 = 60_000
    /// The most local days one computation walks. Calendar validation (at least
    /// `weeklyBusinessMinutesMin` open minutes a week, at most `holidaysMax` holidays, targets of
    /// at most `slaTargetMinutesMax`) keeps every target within about 19,000 days of its start.
    static let searchDaysMax: Int64 = 36_525

    /// Opening periods per weekday (0 = Monday), as milliseconds into the local day.
    private let periods: [[(start: Int64, end: Int64)]]
    private let holidays: Set<Int64>
    private let changes: [OffsetChange]
    /// Without a calendar every instant is business time.
    private let isAroundTheClock: Bool

    /// The clock of `calendar`, or one that counts every minute when `nil`.
    init(calendar: BusinessCalendar?) {
        guard let calendar else {
            periods = []
            holidays = []
            changes = []
            isAroundTheClock = true
            return
        }
        var periods = Array(repeating: [(start: Int64, end: Int64)](), count: 7)
        for hours in calendar.openingHours {
            periods[hours.weekday - 1].append((
                start: Int64(hours.startMinuteOfDay) * Self.minuteMilliseconds,
                end: Int64(hours.endMinuteOfDay) * Self.minuteMilliseconds))
        }
        self.periods = periods.map { $0.sorted { $0.start < $1.start } }
        holidays = Set(calendar.holidays.compactMap { CivilDate(parsing: $0)?.daysSinceEpoch })
        precondition(!calendar.offsetChanges.isEmpty, "a stored calendar has at least one offset")
        changes = calendar.offsetChanges
        isAroundTheClock = false
    }

    /// The instant `duration` of business time after `start`: the end of the open time that
    /// follows `start`. A zero duration gives the next instant the calendar is open.
    func adding(_ duration: Int64, to start: Timestamp) -> Timestamp {
        precondition(duration >= 0, "business time only moves forward")
        if isAroundTheClock { return Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + duration) }
        var remaining = duration
        var result: Int64?
        forEachOpenPeriod(from: start.millisecondsSinceEpoch) { periodStart, periodEnd in
            guard remaining > periodEnd - periodStart else {
                result = periodStart + remaining
                return false
            }
            remaining -= periodEnd - periodStart
            return true
        }
        guard let result else { preconditionFailure("validated calendars reach every target within the search window") }
        return Timestamp(millisecondsSinceEpoch: result)
    }

    /// The business time between `start` and `end`, counted up to `cap` at most.
    func duration(from start: Timestamp, to end: Timestamp, cap: Int64) -> Int64 {
        guard start < end else { return 0 }
        if isAroundTheClock { return min(end.millisecondsSinceEpoch - start.millisecondsSinceEpoch, cap) }
        var total: Int64 = 0
        forEachOpenPeriod(from: start.millisecondsSinceEpoch) { periodStart, periodEnd in
            guard periodStart < end.millisecondsSinceEpoch else { return false }
            total += min(periodEnd, end.millisecondsSinceEpoch) - periodStart
            return total < cap
        }
        return min(total, cap)
    }

    /// Calls `body` with each open period `[start, end)` that ends after `from`, in time order,
    /// the first one clipped to start at `from`, until `body` returns false or the search
    /// window ends.
    private func forEachOpenPeriod(from: Int64, _ body: (Int64, Int64) -> Bool) {
        var piece = pieceIndex(containing: from)
        var cursor = from
        var daysWalked: Int64 = 0
        while daysWalked <= Self.searchDaysMax {
            let offset = Int64(changes[piece].offsetSeconds) * 1_000
            let pieceEnd = piece + 1 < changes.count ? changes[piece + 1].utcSeconds * 1_000 : Int64.max
            var day = Self.floorDivide(cursor + offset, Self.dayMilliseconds)
            while day * Self.dayMilliseconds - offset < pieceEnd, daysWalked <= Self.searchDaysMax {
                let dayStart = day * Self.dayMilliseconds - offset
                if !holidays.contains(day) {
                    for period in periods[Self.weekday(of: day)] {
                        let start = max(dayStart + period.start, cursor)
                        let end = min(dayStart + period.end, pieceEnd)
                        if start < end, !body(start, end) { return }
                    }
                }
                day += 1
                daysWalked += 1
            }
            guard pieceEnd != Int64.max else { return }
            piece += 1
            cursor = pieceEnd
        }
    }

    /// The last piece starting at or before `instant`; the first piece also covers all before it.
    private func pieceIndex(containing instant: Int64) -> Int {
        max(changes.partitionPoint { $0.utcSeconds * 1_000 <= instant } - 1, 0)
    }

    /// 0 = Monday … 6 = Sunday; day 0 (1970-01-01) was a Thursday.
    private static func weekday(of day: Int64) -> Int {
        Int(((day % 7) + 7 + 3) % 7)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}
