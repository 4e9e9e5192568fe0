// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Switchboard",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "RaftCore", targets: ["RaftCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
    ],
    targets: [
        .target(name: "RaftCore", swiftSettings: strict),
        .target(name: "Checksum", swiftSettings: strict),
        .systemLibrary(
            name: "CRocksDB", pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]),
        .target(name: "Storage", dependencies: ["CRocksDB", "RaftCore", "Checksum"], swiftSettings: strict),
        .target(name: "Replica", dependencies: ["RaftCore", "Storage", "Checksum"], swiftSettings: strict),
        .target(
            name: "Transport",
            dependencies: [
                "RaftCore", "Checksum",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(
            name: "Server",
            dependencies: [
                "RaftCore", "Storage", "Transport", "Replica", "ServiceDesk",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Web")],
            swiftSettings: strict),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "Server", "RaftCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            // jemalloc serves every allocation of a node (its NEEDED entry comes before libc's):
            // glibc's allocator fragmented under the steady churn of message posts, and after a
            // minute of load a node spent more time per post and stalled requests for 100-200 ms.
            linkerSettings: [.linkedLibrary("jemalloc")]),
        .target(name: "ServiceDesk", swiftSettings: strict),
        .target(name: "Simulator", dependencies: ["RaftCore"], swiftSettings: strict),
        .executableTarget(name: "switchboard-sim", dependencies: ["Simulator"], swiftSettings: strict),
        .executableTarget(
            name: "switchboard-bench", dependencies: ["RaftCore", "Storage", "ServiceDesk"], swiftSettings: strict),
        .testTarget(
            name: "RaftCoreTests", dependencies: ["RaftCore"],
            resources: [.copy("scenarios")], swiftSettings: strict),
        .testTarget(name: "ReplicaTests", dependencies: ["Replica", "Storage", "RaftCore"], swiftSettings: strict),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "RaftCore", "Checksum"], swiftSettings: strict),
        .testTarget(
            name: "TransportTests",
            dependencies: [
                "Transport", "RaftCore", "Checksum",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "ServiceDeskTests", dependencies: ["ServiceDesk"],
            resources: [.copy("Samples")], swiftSettings: strict),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: strict),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "RaftCore"], swiftSettings: strict),
    ]
)
