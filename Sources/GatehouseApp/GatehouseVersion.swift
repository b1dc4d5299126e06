/// The release, as bundles and `--version` report it.
public enum GatehouseVersion {
    public static let current = "0.6.0"
}
