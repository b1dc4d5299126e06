import GatehouseCore
import Testing

/// The one path normaliser: whatever the spelling, a path names something inside the root.
struct VirtualPathTests {
    /// (client path, where it lands) — traversal, encodings taken literally, absolute and relative.
    static let matrix: [(String, String)] = [
        ("", "/"), (".", "/"), ("/", "/"), ("..", "/"), ("../..", "/"), ("/..", "/"), ("/../..", "/"), ("../../etc/passwd", "/etc/passwd"),
        ("/../../etc/passwd", "/etc/passwd"), ("a/../..", "/"), ("a/../../b", "/b"), ("a/b/../../../c", "/c"), ("./a/./b/.", "/a/b"),
        ("//a//b//", "/a/b"), ("///", "/"), ("a/.../b", "/a/.../b"), ("..a", "/..a"), ("a..", "/a.."), ("....", "/...."),
        ("..\\..\\etc\\passwd", "/..\\..\\etc\\passwd"), ("\\", "/\\"), ("%2e%2e/%2e%2e/etc", "/%2e%2e/%2e%2e/etc"),
        ("..%2f..%2fetc", "/..%2f..%2fetc"), ("%2F", "/%2F"), ("~", "/~"), ("~/../..", "/"), ("/etc/../..", "/"),
        ("a/./../b/./c/..", "/b"), (" /..", "/"), (" ", "/ "), ("..;/x", "/..;/x"), ("a/\u{2024}\u{2024}/b", "/a/\u{2024}\u{2024}/b"),
        ("/tenant10/../tenant1", "/tenant1"),
    ]

    @Test(arguments: matrix)
    func landsInsideTheRoot(_ entry: (String, String)) throws {
        let path = try VirtualPath(entry.0)
        #expect(path.description == entry.1)
        #expect(!path.components.contains("..") && !path.components.contains(".") && !path.components.contains(""))
    }

    @Test func relativePathsResolveAgainstTheWorkingDirectory() throws {
        let base = try VirtualPath("/a/b")
        #expect(try VirtualPath("../c", relativeTo: base).description == "/a/c")
        #expect(try VirtualPath("../../../../x", relativeTo: base).description == "/x")
        #expect(try VirtualPath("/y", relativeTo: base).description == "/y")
        #expect(try VirtualPath("f.gz").topLevelName == "f.gz")
        #expect(try VirtualPath("d/f.gz").topLevelName == nil)
    }

    @Test func nulAndHugePathsAreRefused() {
        #expect(throws: GatehouseError.self) { try VirtualPath("a\u{0}/../../etc") }
        #expect(throws: GatehouseError.self) { try VirtualPath(String(repeating: "a/", count: 3_000)) }
    }
}
