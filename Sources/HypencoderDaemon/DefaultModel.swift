import Foundation

/// Where the daemon finds a model when neither `--model` nor the config file names one.
///
/// Order: `$HYPENCODER_MODEL` if set (and not empty), else
/// `${XDG_DATA_HOME:-$HOME/.local/share}/hypencoder/default-model` if it exists — a symlink
/// that `Scripts/default-model` creates, pointing at the model it built — else none, and
/// the daemon starts without a model as before. WHY an environment variable and a
/// well-known path rather than a compiled-in default: a user unit and a shell session can
/// both find the model one script installed, without each repeating `--model`.
public struct DefaultModelLocation: Sendable, Equatable {
    /// The model directory.
    public let path: String
    /// Where the choice came from, for the start-up log ("$HYPENCODER_MODEL", the path).
    public let origin: String

    public static let environmentVariable = "HYPENCODER_MODEL"

    /// The default model for `environment`; `exists` is injectable for tests. A dangling
    /// symlink does not exist (`exists` follows links), so it means "no default model".
    public static func find(
        environment: [String: String],
        exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    )
        -> DefaultModelLocation?
    {
        if let path = environment[environmentVariable], !path.isEmpty {
            return DefaultModelLocation(path: path, origin: "$\(environmentVariable)")
        }
        guard let link = wellKnownPath(environment: environment), exists(link) else { return nil }
        return DefaultModelLocation(path: link, origin: link)
    }

    /// `${XDG_DATA_HOME:-$HOME/.local/share}/hypencoder/default-model`; nil without either
    /// variable (an XDG_DATA_HOME that is not absolute is ignored, as the XDG spec says).
    public static func wellKnownPath(environment: [String: String]) -> String? {
        let dataHome: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            dataHome = xdg
        } else if let home = environment["HOME"], !home.isEmpty {
            dataHome = (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.local/share"
        } else {
            return nil
        }
        return (dataHome.hasSuffix("/") ? String(dataHome.dropLast()) : dataHome) + "/hypencoder/default-model"
    }
}
