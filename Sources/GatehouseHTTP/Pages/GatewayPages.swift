import Foundation
import GatehouseCore

/// The small HTML pages the gateway answers with itself. They say what happened and what to do,
/// and never echo request data back unescaped.
enum GatewayPages {
    static func page(title: String, message: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
        h1{font-size:1.4rem}p{line-height:1.5}form{display:grid;gap:.6rem}input,button{font-size:1rem;padding:.4rem}</style>
        </head><body><h1>\(escape(title))</h1>\(message)</body></html>

        """
    }

    static func error(_ title: String, _ explanation: String) -> String {
        page(title: title, message: "<p>\(escape(explanation))</p>")
    }

    static func login(tenant: String, csrf: String, next: String, failed: Bool) -> String {
        let notice = failed ? "<p role=\"alert\">The user name or password is not right. Try again.</p>" : ""
        return page(
            title: "Sign in to \(tenant)",
            message: """
                \(notice)<form method="post" action="/_gatehouse/login">
                <input type="hidden" name="csrf" value="\(escape(csrf))">
                <input type="hidden" name="next" value="\(escape(next))">
                <label>User name <input name="username" autocomplete="username" required></label>
                <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
                <button type="submit">Sign in</button></form>
                """)
    }

    static func logout(csrf: String) -> String {
        page(
            title: "Sign out",
            message: """
                <form method="post" action="/_gatehouse/logout">
                <input type="hidden" name="csrf" value="\(escape(csrf))">
                <button type="submit">Sign out</button></form>
                """)
    }

    static func escape(_ text: String) -> String { HTMLEscaping.escape(text) }
}
