import Foundation
import Testing
@testable import ServiceDesk

/// Instants written the way people read them, for the SLA tests.
enum Instant {
    /// `2026-03-27T16:00:00+01:00` → milliseconds since the epoch.
    static func at(_ text: String) -> Timestamp {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else { preconditionFailure("not an ISO 8601 instant: \(text)") }
        return Timestamp(millisecondsSinceEpoch: Int64(date.timeIntervalSince1970) * 1_000)
    }

    static func minutes(_ count: Int64) -> Int64 { count * 60_000 }
}

extension BusinessCalendar {
    /// Berlin, Monday to Friday 09:00–17:00, its offsets expanded from this machine's
    /// time-zone database exactly as the proposing node does.
    static func berlinOffice(holidays: [String] = [], id: String = "berlin") -> BusinessCalendar {
        let weekdays = (1...5).map { OpeningHours(weekday: $0, startMinuteOfDay: 9 * 60, endMinuteOfDay: 17 * 60) }
        return BusinessCalendar(
            id: id, name: "Berlin office", timeZone: "Europe/Berlin",
            offsetChanges: BusinessCalendar.offsetChanges(zoneIdentifier: "Europe/Berlin")!, openingHours: weekdays,
            holidays: holidays, createdAt: Timestamp(millisecondsSinceEpoch: 0), updatedAt: Timestamp(millisecondsSinceEpoch: 0))
    }
}

@Suite struct BusinessCalendarTests {
    private let office = BusinessClock(calendar: .berlinOffice(holidays: ["2026-12-25"]))

    @Test func theZoneExpandsToItsDaylightSavingChanges() throws {
        let changes = try #require(BusinessCalendar.offsetChanges(zoneIdentifier: "Europe/Berlin"))
        #expect(changes.first == OffsetChange(utcSeconds: 946_684_800, offsetSeconds: 3_600))
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        #expect(changes.contains(OffsetChange(utcSeconds: Instant.at("2026-03-29T01:00:00Z").millisecondsSinceEpoch / 1_000, offsetSeconds: 7_200)))
        #expect(changes.contains(OffsetChange(utcSeconds: Instant.at("2026-10-25T01:00:00Z").millisecondsSinceEpoch / 1_000, offsetSeconds: 3_600)))
        #expect(changes.count == 121, "one start plus two changes a year for 60 years")
        #expect(BusinessCalendar.offsetChanges(zoneIdentifier: "Asia/Shanghai")?.count == 1)
        #expect(BusinessCalendar.offsetChanges(zoneIdentifier: "Mars/Olympus_Mons") == nil)
    }

    @Test func aWeekendIsSkipped() {
        let friday = Instant.at("2026-03-20T16:00:00+01:00")
        #expect(office.adding(Instant.minutes(120), to: friday) == Instant.at("2026-03-23T10:00:00+01:00"))
        #expect(office.duration(from: friday, to: Instant.at("2026-03-23T10:00:00+01:00"), cap: .max) == Instant.minutes(120))
        let saturday = Instant.at("2026-03-21T12:00:00+01:00")
        #expect(office.adding(0, to: saturday) == Instant.at("2026-03-23T09:00:00+01:00"), "zero lands on the next opening")
    }

    @Test func aHolidayIsSkipped() {
        let christmasEve = Instant.at("2026-12-24T16:00:00+01:00")
        #expect(office.adding(Instant.minutes(120), to: christmasEve) == Instant.at("2026-12-28T10:00:00+01:00"))
        let noHoliday = BusinessClock(calendar: .berlinOffice())
        #expect(noHoliday.adding(Instant.minutes(120), to: christmasEve) == Instant.at("2026-12-25T10:00:00+01:00"))
    }

    @Test func theSpringDaylightSavingChangeKeepsLocalOpeningHours() {
        // Friday before the switch to summer time (Sunday 29 March 2026): two business hours
        // end at 10:00 on Monday, which is 08:00 UTC in summer time, not 09:00 UTC.
        let friday = Instant.at("2026-03-27T16:00:00+01:00")
        let due = office.adding(Instant.minutes(120), to: friday)
        #expect(due == Instant.at("2026-03-30T10:00:00+02:00"))
        #expect(due == Instant.at("2026-03-30T08:00:00Z"))
        #expect(office.duration(from: friday, to: due, cap: .max) == Instant.minutes(120))
    }

    @Test func aPeriodAcrossAChangeCountsTheRealTime() {
        let everyMinute = (1...7).map { OpeningHours(weekday: $0, startMinuteOfDay: 0, endMinuteOfDay: 1_440) }
        var calendar = BusinessCalendar.berlinOffice()
        calendar.openingHours = everyMinute
        let clock = BusinessClock(calendar: calendar)
        let spring = clock.duration(from: Instant.at("2026-03-28T00:00:00+01:00"), to: Instant.at("2026-03-30T00:00:00+02:00"), cap: .max)
        #expect(spring == Instant.minutes(47 * 60), "the night of the change is an hour short")
        let autumn = clock.duration(from: Instant.at("2026-10-24T00:00:00+02:00"), to: Instant.at("2026-10-26T00:00:00+01:00"), cap: .max)
        #expect(autumn == Instant.minutes(49 * 60), "and in autumn an hour long")
    }

    @Test func durationStopsAtTheCapAndAtTheEnd() {
        let monday = Instant.at("2026-03-02T09:00:00+01:00")
        #expect(office.duration(from: monday, to: Instant.at("2026-03-02T12:30:00+01:00"), cap: .max) == Instant.minutes(210))
        #expect(office.duration(from: monday, to: Instant.at("2026-03-09T09:00:00+01:00"), cap: Instant.minutes(100)) == Instant.minutes(100))
        #expect(office.duration(from: monday, to: monday, cap: .max) == 0)
    }

    @Test func withoutACalendarEveryMinuteCounts() {
        let clock = BusinessClock(calendar: nil)
        let start = Instant.at("2026-03-28T23:00:00Z")
        #expect(clock.adding(Instant.minutes(90), to: start) == Instant.at("2026-03-29T00:30:00Z"))
        #expect(clock.duration(from: start, to: Instant.at("2026-03-29T00:30:00Z"), cap: .max) == Instant.minutes(90))
    }

    @Test func theLongestTargetOnTheSparsestCalendarIsReached() {
        // One hour a week and the most holidays, all on that weekday: the worst search the
        // limits allow must still end inside the search window.
        let mondays = (0..<1_000).map { week in
            Instant.at("2027-01-04T12:00:00Z").millisecondsSinceEpoch / 86_400_000 + Int64(week) * 7
        }
        var calendar = BusinessCalendar.berlinOffice()
        calendar.openingHours = [OpeningHours(weekday: 1, startMinuteOfDay: 600, endMinuteOfDay: 660)]
        calendar.holidays = mondays.map(Self.date)
        let clock = BusinessClock(calendar: calendar)
        let due = clock.adding(Instant.minutes(Int64(DeskLimits.standard.slaTargetMinutesMax)), to: Instant.at("2027-01-01T00:00:00Z"))
        #expect(due > Instant.at("2070-01-01T00:00:00Z"))
    }

    @Test func datesParseOnlyWhenTheyExist() {
        #expect(CivilDate(parsing: "2028-02-29")?.daysSinceEpoch == Instant.at("2028-02-29T00:00:00Z").millisecondsSinceEpoch / 86_400_000)
        for text in ["2027-02-29", "2026-13-01", "2026-1-01", "1969-12-31", "26-01-01", "2026-01-01T00", ""] {
            #expect(CivilDate(parsing: text) == nil, "\(text)")
        }
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
    }

    private static func date(_ day: Int64) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(day * 86_400))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}
