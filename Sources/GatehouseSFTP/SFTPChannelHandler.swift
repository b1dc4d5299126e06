import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
import NIOCore
import NIOPosix
import NIOSSH
import SFTPProtocol

/// One SSH session channel: accepts only the `sftp` subsystem, then runs the SFTP session over it.
/// File reads go to a thread pool; replies leave in request order; the channel is read only while
/// fewer than `maxOutstandingReads` replies are pending and the client's window has room.
final class SFTPChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias InboundOut = Never
    typealias OutboundIn = Never
    typealias OutboundOut = SSHChannelData

    enum Slot {
        case ready(ByteBuffer)
        case pending
    }

    /// Reply bytes a session may have read ahead of the client: the read data not yet handed to the
    /// SSH channel plus what it holds unsent. The client's window is 2 MiB, so more buys nothing but memory.
    static let maxBytesInFlight = 2 * 1024 * 1024

    let services: SFTPServices
    let settings: SFTPSettings
    let tenant: TenantPrefix
    let user: User
    let peer: IPAddress
    private var session: SFTPSession?
    private var inbound = ByteBuffer()
    private var slots = CircularBuffer<Slot>()
    private var pendingReads = 0
    /// Requested read lengths not yet sent on, and written reply bytes the channel has not yet taken.
    private var bytesInFlight = 0
    private var readWanted = false
    private var descriptors: [String: CInt] = [:]
    /// Per file: bytes sent, first and last read, for the download audit.
    private var downloads: [String: (bytes: UInt64, started: Date, last: Date)] = [:]
    private var context: ChannelHandlerContext?

    init(services: SFTPServices, settings: SFTPSettings, tenant: TenantPrefix, user: User, peer: IPAddress) {
        self.services = services
        self.settings = settings
        self.tenant = tenant
        self.user = user
        self.peer = peer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        _ = context.channel.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        for descriptor in descriptors.values { Glibc.close(descriptor) }
        descriptors.removeAll()
        let now = services.clock.now()
        for (file, download) in downloads {
            services.record(
                AuditEvent(
                    time: now, actor: .user(user.qualifiedName), tenant: tenant.value, sourceIP: peer.description,
                    action: AuditAction.backupDownload, target: file,
                    details: ["bytes": String(download.bytes), "seconds": String(format: "%.2f", download.last.timeIntervalSince(download.started))]))
        }
        downloads.removeAll()
        self.context = nil
    }

    // MARK: Channel requests

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let request as SSHChannelRequestEvent.SubsystemRequest where request.subsystem == "sftp" && session == nil:
            let tenant = tenant, files = services.files, owner = tenant.value
            session = SFTPSession(owner: owner) {
                files(tenant).map { SFTPFile(name: $0.name, size: $0.size, modified: UInt32(clamping: Int64($0.modified.timeIntervalSince1970))) }
            }
            if request.wantReply { context.triggerUserOutboundEvent(ChannelSuccessEvent(), promise: nil) }
        case let request as SSHChannelRequestEvent.SubsystemRequest:
            refuse(context, "subsystem \(request.subsystem)", wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.ExecRequest:
            refuse(context, "exec", wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.ShellRequest:
            refuse(context, "shell", wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            if request.wantReply { context.triggerUserOutboundEvent(ChannelFailureEvent(), promise: nil) }
        case let request as SSHChannelRequestEvent.EnvironmentRequest:
            if request.wantReply { context.triggerUserOutboundEvent(ChannelFailureEvent(), promise: nil) }
        case is ChannelEvent where (event as? ChannelEvent) == .inputClosed:
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func refuse(_ context: ChannelHandlerContext, _ what: String, wantReply: Bool) {
        services.logger.info("sftp channel request refused", metadata: ["request": "\(what)", "user": "\(user.qualifiedName)"])
        services.record(
            AuditEvent(
                time: services.clock.now(), actor: .user(user.qualifiedName), tenant: tenant.value, sourceIP: peer.description,
                action: AuditAction.accessDenied, target: "sftp", outcome: .denied, details: ["reason": "only the sftp subsystem", "request": what]))
        if wantReply { context.triggerUserOutboundEvent(ChannelFailureEvent(), promise: nil) }
        context.close(promise: nil)
    }

    // MARK: SFTP

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .byteBuffer(var bytes) = message.data, message.type == .channel else { return }
        guard session != nil else {
            context.close(promise: nil)  // data before the subsystem was started
            return
        }
        inbound.writeBuffer(&bytes)
        process(context)
    }

    private func process(_ context: ChannelHandlerContext) {
        while pendingReads < settings.maxOutstandingReads && slots.count < Self.maxQueuedReplies && bytesInFlight < Self.maxBytesInFlight {
            let action: SFTPAction
            do {
                guard let request = try SFTPDecoder().next(from: &inbound) else { break }
                action = session!.handle(request)
            } catch {
                action = session!.handle(error)
            }
            perform(action, context)
            if context.channel.isActive == false { return }
        }
        inbound.discardReadBytes()
        flushReady(context)
    }

    private func perform(_ action: SFTPAction, _ context: ChannelHandlerContext) {
        switch action {
        case .reply(let response):
            var buffer = context.channel.allocator.buffer(capacity: 64)
            SFTPEncoder.encode(response, into: &buffer)
            slots.append(.ready(buffer))
        case .close(let reason):
            services.logger.warning("sftp session closed: protocol error", metadata: ["reason": "\(reason)", "user": "\(user.qualifiedName)"])
            context.close(promise: nil)
        case .read(let id, let file, let offset, let length):
            guard let descriptor = descriptor(for: file.name) else {
                var buffer = context.channel.allocator.buffer(capacity: 64)
                SFTPEncoder.encode(.status(id: id, code: .noSuchFile, message: "the file is no longer available"), into: &buffer)
                slots.append(.ready(buffer))
                return
            }
            let index = slots.count
            slots.append(.pending)
            pendingReads += 1
            bytesInFlight += Int(length)
            let allocator = context.channel.allocator, name = file.name
            let future = NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) { () throws -> ByteBuffer in
                var data = allocator.buffer(capacity: Int(length))
                let count = try data.writeWithUnsafeMutableBytes(minimumWritableBytes: Int(length)) { raw -> Int in
                    let result = pread(descriptor, raw.baseAddress, Int(length), off_t(offset))
                    guard result >= 0 else { throw IOError(errnoCode: errno, reason: "pread") }
                    return result
                }
                _ = count
                return data
            }
            let base = slotBase
            future.assumeIsolated().whenComplete { result in
                self.pendingReads -= 1
                self.bytesInFlight -= Int(length)
                var buffer = allocator.buffer(capacity: Int(length) + 16)
                switch result {
                case .success(let data) where data.readableBytes > 0:
                    self.noteDownload(name, bytes: UInt64(data.readableBytes))
                    SFTPEncoder.encode(.data(id: id, bytes: data), into: &buffer)
                case .success:
                    SFTPEncoder.encode(.status(id: id, code: .eof, message: "end of file"), into: &buffer)
                case .failure:
                    SFTPEncoder.encode(.status(id: id, code: .failure, message: "read failed"), into: &buffer)
                }
                self.fill(index + base - self.slotBase, with: buffer)
                guard let context = self.context else { return }
                self.flushReady(context)
                self.process(context)
                self.resumeReadingIfPossible(context)
            }
        }
    }

    /// Slots leave from the front; `slotBase` counts how many have left, so a pending read finds its slot.
    private var slotBase = 0

    private func fill(_ index: Int, with buffer: ByteBuffer) {
        guard index >= 0, index < slots.count else { return }
        slots[slots.index(slots.startIndex, offsetBy: index)] = .ready(buffer)
    }

    private func flushReady(_ context: ChannelHandlerContext) {
        var wrote = false
        while case .ready(let buffer)? = slots.first {
            slots.removeFirst()
            slotBase += 1
            let size = buffer.readableBytes
            bytesInFlight += size
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.assumeIsolated().whenComplete { _ in
                self.bytesInFlight -= size
                guard let context = self.context else { return }
                self.process(context)
                self.resumeReadingIfPossible(context)
            }
            context.write(wrapOutboundOut(SSHChannelData(type: .channel, data: .byteBuffer(buffer))), promise: written)
            wrote = true
        }
        if wrote { context.flush() }
    }

    private func noteDownload(_ name: String, bytes: UInt64) {
        let now = services.clock.now()
        let current = downloads[name] ?? (0, now, now)
        downloads[name] = (current.bytes + bytes, current.started, now)
    }

    /// Opens each file once per session, without following symbolic links.
    private func descriptor(for name: String) -> CInt? {
        if let open = descriptors[name] { return open }
        guard let file = services.files(tenant).first(where: { $0.name == name }) else { return nil }
        let descriptor = open(file.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        descriptors[name] = descriptor
        return descriptor
    }

    // MARK: Backpressure

    /// Replies waiting behind a pending read, at most.
    static let maxQueuedReplies = 256

    func read(context: ChannelHandlerContext) {
        if pendingReads >= settings.maxOutstandingReads || slots.count >= Self.maxQueuedReplies || bytesInFlight >= Self.maxBytesInFlight
            || !context.channel.isWritable
        {
            readWanted = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReadingIfPossible(context)
        context.fireChannelWritabilityChanged()
    }

    private func resumeReadingIfPossible(_ context: ChannelHandlerContext) {
        guard readWanted, pendingReads < settings.maxOutstandingReads, slots.count < Self.maxQueuedReplies,
              bytesInFlight < Self.maxBytesInFlight, context.channel.isWritable
        else { return }
        readWanted = false
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        services.logger.debug("sftp channel error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
