/// A first-in first-out queue with amortized O(1) removal from the front, for the tables the
/// desk bounds by evicting their oldest entries.
struct FIFO<Element: Sendable & Hashable>: Sendable, Hashable {
    private var storage: [Element] = []
    private var head = 0

    /// Storage slots consumed at the front before they are reclaimed; below this, reclaiming
    /// would cost more than the memory it frees.
    private static var reclaimSlotsMin: Int { 1_024 }

    init() {}

    init(_ elements: [Element]) {
        storage = elements
    }

    var count: Int { storage.count - head }
    var isEmpty: Bool { count == 0 }
    var first: Element? { isEmpty ? nil : storage[head] }
    var elements: ArraySlice<Element> { storage[head...] }

    mutating func append(_ element: Element) {
        storage.append(element)
    }

    /// Replaces the element `offset` places from the front.
    mutating func replace(at offset: Int, with element: Element) {
        precondition(offset >= 0 && offset < count, "replace outside the FIFO")
        storage[head + offset] = element
    }

    @discardableResult
    mutating func removeFirst() -> Element {
        precondition(!isEmpty, "removeFirst on an empty FIFO")
        let element = storage[head]
        head += 1
        if head >= Self.reclaimSlotsMin, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    static func == (lhs: FIFO, rhs: FIFO) -> Bool { lhs.elements == rhs.elements }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in elements { hasher.combine(element) }
    }
}
