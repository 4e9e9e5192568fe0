import RaftCore

extension ReplicaCore {
    /// Starts a ReadIndex round. The context is this node's id and a counter, so it is unique
    /// across the cluster as RaftCore requires.
    func startRead(_ waiter: ReadWaiter) {
        status.readsTotal += 1
        var context: [UInt8] = []
        withUnsafeBytes(of: config.nodeID.bigEndian) { context.append(contentsOf: $0) }
        withUnsafeBytes(of: makeRequestID().bigEndian) { context.append(contentsOf: $0) }
        do {
            try raft.readIndex(context: context)
        } catch {
            waiter.fail(replicaError(error))
            return
        }
        readsAwaitingIndex[context] = waiter
        expiries.append((deadline(), .read(context)))
    }

    func readIndexConfirmed(_ readState: ReadState) {
        guard let waiter = readsAwaitingIndex.removeValue(forKey: readState.context) else { return }
        readsAwaitingApply.append((readState.index, waiter))
    }

    /// Serves every read whose read index is applied now.
    func serveAppliedReads() {
        guard !readsAwaitingApply.isEmpty else { return }
        let applied = raft.status().applied
        var waiting: [(index: LogIndex, waiter: ReadWaiter)] = []
        for read in readsAwaitingApply {
            if read.index <= applied {
                read.waiter.serve(self)
            } else {
                waiting.append(read)
            }
        }
        readsAwaitingApply = waiting
    }

    /// Fails everything still waiting; used when the replica stops.
    func failEverything(with error: ReplicaError) {
        for waiter in waiters.values { waiter.completion.deliver(.failure(error)) }
        waiters = [:]
        for completion in forwards.values { completion.deliver(.failure(error)) }
        forwards = [:]
        for waiter in readsAwaitingIndex.values { waiter.fail(error) }
        readsAwaitingIndex = [:]
        for read in readsAwaitingApply { read.waiter.fail(error) }
        readsAwaitingApply = []
    }
}
