import Foundation

/// The checkout the tests were built from (the folder holding Package.swift), for files tests read
/// from the repository: Policies/, Tests/Tools/, the debug build.
public enum RepositoryRoot {
    public static func url(file: String = #filePath) -> URL {
        var root = URL(fileURLWithPath: file)
        while root.path != "/" && !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        return root
    }

    /// Policies/: the control catalogs and written policies evidence bundles use.
    public static var policies: URL { url().appendingPathComponent("Policies") }
}
