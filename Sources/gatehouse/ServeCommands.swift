import ArgumentParser
import Foundation
import GatehouseApp

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the gateway's services until SIGTERM or SIGINT.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        do {
            try await GatehouseServer(try open(global)).run()
        } catch let error as GatehouseError {
            fail(error)
        }
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Set up a demo tenant, users and credentials (once), print what to try, then serve.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("no-serve"), help: "Set up and print, but do not start serving.")
    var noServe = false

    func run() async throws {
        do {
            let context = try open(global)
            emit(try DemoSetup(context).run())
            if !noServe { try await GatehouseServer(context).run() }
        } catch let error as GatehouseError {
            fail(error)
        }
    }
}
