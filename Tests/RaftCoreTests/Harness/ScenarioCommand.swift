import RaftCore

/// A parsed command line: a name, positional arguments and `key=value` options.
struct ScenarioCommand {
    var name: String
    var arguments: [String]
    var options: [String: String]

    init(text: String) throws {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else { throw ScenarioError("empty command") }
        name = first
        arguments = []
        options = [:]
        for word in words.dropFirst() {
            if let equals = word.firstIndex(of: "="), equals != word.startIndex {
                let key = String(word[..<equals])
                guard options[key] == nil else { throw ScenarioError("option \(key) given twice") }
                options[key] = String(word[word.index(after: equals)...])
            } else {
                arguments.append(word)
            }
        }
    }

    /// Fails on options the command does not know, so a typo cannot silently change a scenario.
    func check(options allowed: Set<String>, argumentsMax: Int) throws {
        for key in options.keys.sorted() where !allowed.contains(key) {
            throw ScenarioError("\(name) does not take option \(key)")
        }
        guard arguments.count <= argumentsMax else {
            throw ScenarioError("\(name) takes at most \(argumentsMax) arguments")
        }
    }

    func argument(_ position: Int) throws -> String {
        guard position < arguments.count else {
            throw ScenarioError("\(name) needs argument \(position + 1)")
        }
        return arguments[position]
    }

    func node(_ position: Int = 0) throws -> NodeID {
        try Self.nodeID(argument(position))
    }

    /// Every positional argument as a node id (for commands that take a list of nodes).
    func nodes() throws -> [NodeID] {
        try arguments.map(Self.nodeID)
    }

    func nodeOption(_ key: String) throws -> NodeID? {
        try options[key].map(Self.nodeID)
    }

    func requiredNode(_ key: String) throws -> NodeID {
        guard let node = try nodeOption(key) else { throw ScenarioError("\(name) needs \(key)=") }
        return node
    }

    func nodeList(_ key: String) throws -> [NodeID] {
        guard let text = options[key], !text.isEmpty else { return [] }
        return try text.split(separator: ",").map { try Self.nodeID(String($0)) }
    }

    func integer(_ key: String, default fallback: Int) throws -> Int {
        guard let text = options[key] else { return fallback }
        guard let value = Int(text), value >= 0 else {
            throw ScenarioError("\(key)=\(text) is not a non-negative integer")
        }
        return value
    }

    func flag(_ key: String, default fallback: Bool) throws -> Bool {
        switch options[key] {
        case nil: return fallback
        case "true": return true
        case "false": return false
        case let text?: throw ScenarioError("\(key)=\(text) is not true or false")
        }
    }

    static func nodeID(_ text: String) throws -> NodeID {
        guard let id = NodeID(text), id != noNode else {
            throw ScenarioError("\(text) is not a node id")
        }
        return id
    }
}
