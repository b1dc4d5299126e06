// swift-tools-version:6.2
import PackageDescription

// Targets follow ../shared/DESIGN.md: Core is pure, adapters meet only through Core's ports,
// GatehouseApp composes them, and the executable only parses arguments.
let package = Package(
    name: "Gatehouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatehouse", targets: ["gatehouse"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", from: "0.15.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        .target(name: "GatehouseCore"),
        // The system zlib, for streaming decompression of scanned files (gzip members, ZIP entries).
        .systemLibrary(name: "CGatehouseZlib", path: "Sources/CGatehouseZlib"),
        .target(name: "GatehouseCompression", dependencies: ["CGatehouseZlib"]),
        // The SFTP v3 codec and session state machine: no I/O, fuzzable.
        .target(name: "SFTPProtocol", dependencies: ["GatehouseCore", .product(name: "NIOCore", package: "swift-nio")]),
        .target(
            name: "GatehouseSFTP",
            dependencies: [
                "GatehouseCore", "SFTPProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "GatehouseBackup",
            dependencies: [
                "GatehouseCore", "GatehouseCompression",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Control catalogs, rules, evidence bundles (ZIP, signed manifest, OSCAL) and their verifier.
        .target(
            name: "GatehouseEvidence",
            dependencies: [
                "GatehouseCore", "GatehouseCompression",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .target(
            name: "GatehouseTokenization",
            dependencies: ["GatehouseCore", "GatehouseCompression", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "GatehouseStore",
            dependencies: [
                "GatehouseCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "GatehouseTLS",
            dependencies: [
                "GatehouseCore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "GatehouseHTTP",
            dependencies: [
                "GatehouseCore", "GatehouseCompression",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        .target(
            name: "GatehouseApp",
            dependencies: [
                "GatehouseCompression", "GatehouseTokenization", "GatehouseBackup", "GatehouseSFTP", "GatehouseEvidence",
                "GatehouseCore",
                "GatehouseStore",
                "GatehouseTLS",
                "GatehouseHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "gatehouse",
            dependencies: [
                "GatehouseApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmark helper: fills a store with N certified custom domains (Benchmarks/sni-handshakes.sh).
        .executableTarget(
            name: "sni-setup", dependencies: ["GatehouseStore", "GatehouseTLS", "GatehouseCore"], path: "Benchmarks/SNISetup"),
        // Benchmark helper: fills a store with N audit events over D days (Benchmarks/evidence-export.sh).
        .executableTarget(
            name: "proxy-floor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Benchmarks/ProxyFloor"),
        .executableTarget(name: "evidence-seed", dependencies: ["GatehouseStore", "GatehouseCore"], path: "Benchmarks/EvidenceSeed"),
        .executableTarget(
            name: "pan-detector-bench", dependencies: ["GatehouseTokenization", .product(name: "Crypto", package: "swift-crypto")],
            path: "Benchmarks/PANDetectorBench"),
        .target(
            name: "GatehouseTesting",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                "GatehouseCore", "GatehouseCompression",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "GatehouseCoreTests", dependencies: ["GatehouseCore", "GatehouseTesting"]),
        .testTarget(
            name: "GatehouseStoreTests",
            dependencies: [
                "GatehouseStore", "GatehouseCore", "GatehouseTesting", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "GatehouseTLSTests", dependencies: ["GatehouseTLS", "GatehouseCore", "GatehouseTesting"]),
        .testTarget(
            name: "GatehouseTokenizationTests",
            dependencies: [
                "GatehouseTokenization", "GatehouseCore", "GatehouseCompression", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "GatehouseBackupTests",
            dependencies: [
                "GatehouseBackup", "GatehouseCore", "GatehouseCompression", "GatehouseTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "SFTPProtocolTests",
            dependencies: ["SFTPProtocol", "GatehouseCore", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "GatehouseCLITests", dependencies: ["GatehouseTesting"]),
        .testTarget(
            name: "GatehouseEvidenceTests",
            dependencies: [
                "GatehouseEvidence", "GatehouseStore", "GatehouseCore", "GatehouseTesting", "GatehouseBackup", "GatehouseTLS",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(name: "GatehouseGatewayTests", dependencies: ["GatehouseTesting", "GatehouseTokenization", "GatehouseHTTP"]),
    ]
)
