// libFuzzer entry point for `JSONReader`, the fast reader of message post bodies, compiled
// with it into one module by fuzz/run. Whatever the bytes, it must return or give up, never
// trap; and whatever it accepts, Foundation's JSON parser (the reference, through which the
// route decodes every body the reader gives up on) must read as the same fields.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    guard let fields = JSONReader.object(buffer) else { return 0 }
    let reference = try? JSONSerialization.jsonObject(with: Data(buffer), options: [.fragmentsAllowed])
    guard let object = reference as? [String: Any] else {
        preconditionFailure("the reader accepted what Foundation refuses: \(Array(buffer))")
    }
    precondition(same(fields, object), "the reader and Foundation disagree on \(Array(buffer))")
    return 0
}

private func same(_ fields: [(key: String, value: JSONReader.Value)], _ reference: [String: Any]) -> Bool {
    guard reference.count == fields.count else { return false }
    for field in fields {
        guard let other = reference[field.key] else { return false }
        switch field.value {
        case .string(let text): guard (other as? String) == text else { return false }
        case .bool(let flag): guard (other as? Bool) == flag else { return false }
        case .null: guard other is NSNull else { return false }
        case .object(let inner): guard let dictionary = other as? [String: Any], same(inner, dictionary) else { return false }
        }
    }
    return true
}
