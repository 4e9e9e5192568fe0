import Foundation
import Synchronization

/// Slows password guessing: after `failuresMax` failed sign-ins for one email within
/// `windowSeconds`, that email is refused on this node until the window ends.
///
/// Each node counts its own failures; behind a load balancer an attacker gets at most
/// `failuresMax` guesses per node per window, which PBKDF2's cost makes worthless.
final class LoginThrottle: Sendable {
    struct Window {
        var failures: Int
        var startedAt: Double
    }

    let failuresMax: Int
    let windowSeconds: Double
    /// Emails tracked at once, so a flood of made-up emails cannot grow memory without bound.
    let emailsMax: Int
    private let windows = Mutex<[String: Window]>([:])

    init(failuresMax: Int = 5, windowSeconds: Double = 300, emailsMax: Int = 10_000) {
        self.failuresMax = failuresMax
        self.windowSeconds = windowSeconds
        self.emailsMax = emailsMax
    }

    /// Seconds until `email` may try again, or nil if it may try now.
    func retryAfterSeconds(_ email: String, now: Double = Date().timeIntervalSince1970) -> Int? {
        windows.withLock { windows in
            guard let window = windows[email] else { return nil }
            let remaining = window.startedAt + windowSeconds - now
            if remaining <= 0 {
                windows[email] = nil
                return nil
            }
            return window.failures >= failuresMax ? Int(remaining.rounded(.up)) : nil
        }
    }

    func recordFailure(_ email: String, now: Double = Date().timeIntervalSince1970) {
        windows.withLock { windows in
            if windows.count >= emailsMax { windows = windows.filter { now - $0.value.startedAt < windowSeconds } }
            // Still full of live windows: forget the oldest half rather than grow.
            if windows.count >= emailsMax {
                let oldest = windows.sorted { $0.value.startedAt < $1.value.startedAt }.prefix(emailsMax / 2)
                for (key, _) in oldest { windows[key] = nil }
            }
            var window = windows[email] ?? Window(failures: 0, startedAt: now)
            if now - window.startedAt >= windowSeconds { window = Window(failures: 0, startedAt: now) }
            window.failures += 1
            windows[email] = window
        }
    }

    func recordSuccess(_ email: String) {
        _ = windows.withLock { $0.removeValue(forKey: email) }
    }
}
