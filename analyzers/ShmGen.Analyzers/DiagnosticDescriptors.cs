using Microsoft.CodeAnalysis;

namespace ShmGen.Analyzers;

/// <summary>
/// Every diagnostic ShmGen reports (DESIGN §5). One descriptor per ID; where the contract gives an ID two severities
/// (SHM004: warning for Raw, info for Standard; SHM006: error, warning for names over 31 characters; SHM301: warning,
/// info for group/other read bits alone) the analyzer
/// reports the lesser one as the effective severity, so .editorconfig still configures the ID as a whole.
/// </summary>
internal static class DiagnosticDescriptors
{
    /// <summary>The help pages live beside the code: docs/diagnostics/SHMxxx.md.</summary>
    public const string HelpLinkBase = RepositoryInfo.Url + "/blob/main/docs/diagnostics/";

    private const string LayoutCategory = "ShmGen.Layout";
    private const string DeclarationCategory = "ShmGen.Declaration";
    private const string LifetimeCategory = "ShmGen.Lifetime";
    private const string ConcurrencyCategory = "ShmGen.Concurrency";
    private const string SecurityCategory = "ShmGen.Security";

    public static readonly DiagnosticDescriptor NotUnmanagedStruct = Create(
        DiagnosticIds.NotUnmanagedStruct,
        "Shared type must be an unmanaged struct",
        "'{0}' cannot live in shared memory: {1}",
        "Only unmanaged, non-generic structs have the same bytes in every process. References, classes and generic types point into one process's managed heap or have no fixed layout, so another process would read garbage.",
        LayoutCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ProcessLocalAddress = Create(
        DiagnosticIds.ProcessLocalAddress,
        "Field holds a process-local address",
        "Field '{0}' holds a process-local address: {1}",
        "Pointers, function pointers and pointer-sized integers (nint, nuint, IntPtr, UIntPtr) usually hold addresses, and an address in one process means nothing in another: the segment is mapped at a different address in each process. Store offsets or indexes instead. Fixed-size buffers are inline data, not pointers, and are fine.",
        LayoutCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor AutoLayout = Create(
        DiagnosticIds.AutoLayout,
        "Shared struct uses LayoutKind.Auto",
        "'{0}' uses StructLayout(LayoutKind.Auto): the runtime may order its fields differently in another build or process",
        "With LayoutKind.Auto the runtime chooses the field order, and another build, runtime or peer written in another language may choose differently. Shared memory needs the same bytes at the same offsets in every process: use LayoutKind.Sequential (the default for structs) or LayoutKind.Explicit.",
        LayoutCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NonPortableType = Create(
        DiagnosticIds.NonPortableType,
        "Field type has no fixed cross-language layout",
        "Field '{0}' has no fixed cross-language layout: {1}",
        "bool, char, decimal, DateTime, DateTimeOffset and Guid have a .NET-specific size or encoding, so a C or Python peer cannot read them reliably. This is a warning for SegmentFormat.Raw (meant for such peers) and information for the Standard format. Prefer byte, ushort, long ticks or two ulongs.",
        LayoutCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor NotPartial = Create(
        DiagnosticIds.NotPartial,
        "Shared type must be partial",
        "{0} must be declared partial so that ShmGen can generate its segment type beside it",
        "The generator adds the lock-repair hook to the annotated struct and nests the generated segment or queue class in the same containing types, which is only possible when the struct and every type containing it are partial. Without it nothing is generated.",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidName = Create(
        DiagnosticIds.InvalidName,
        "Invalid segment name",
        "Invalid segment name \"{0}\": {1}",
        "A POSIX shared-memory name (without its leading '/') must be 1 to 250 characters (246 for a Raw-format segment, whose lock semaphore is the file sem.NAME.lock) of [A-Za-z0-9._-] and not '.' or '..'; otherwise shm_open fails or the name escapes /dev/shm. Names longer than 31 characters are reported as a warning: macOS rejects them.",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DuplicateName = Create(
        DiagnosticIds.DuplicateName,
        "Two shared types claim the same segment name",
        "Segment name \"{0}\" is also claimed by '{1}'",
        "Two annotated types with the same name would open the same /dev/shm file with different layouts: the second one fails with a layout mismatch at run time, or worse, for Raw segments, silently reads the other type's bytes.",
        DeclarationCategory,
        DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor Misaligned = Create(
        DiagnosticIds.Misaligned,
        "Field is misaligned",
        "Field '{0}' is misaligned: {1}",
        "A field whose offset is not a multiple of its alignment (for example under Pack = 1) can be read torn by another process and cannot be used with Interlocked or Volatile atomically; on some CPUs misaligned access is slow or faults. Reorder the fields or remove Pack.",
        LayoutCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor InvalidCapacity = Create(
        DiagnosticIds.InvalidCapacity,
        "Queue capacity must be a power of two in [2, 2^24]",
        "Queue capacity {0} is not a power of two in [2, 16777216]",
        "The shared queue (and a topic likewise) indexes its ring with sequence & (Capacity - 1), which only works for powers of two; one slot cannot tell full from empty, and more than 2^24 slots make the segment unreasonably large.",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GuardNameClash = Create(
        DiagnosticIds.GuardNameClash,
        "Field name clashes with a generated Guard member",
        "Field '{0}' clashes with the generated Guard member '{0}'",
        "The generated Guard has a ref accessor named after every field, beside its own members Data, WasAbandoned and Dispose. A field with one of those names cannot get its accessor, so nothing is generated. Rename the field.",
        DeclarationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MissingUnlink = Create(
        DiagnosticIds.MissingUnlink,
        "Created segment is never unlinked",
        "'{0}' is created here but never unlinked: its name stays in /dev/shm after every process exits",
        "A POSIX shared-memory name persists until it is unlinked or the machine reboots, holding its memory. Call Unlink (usually in a finally block) or TryUnlink when the segment is no longer needed. Segments that are returned, stored or passed on are not reported: their owner decides.",
        LifetimeCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor NotDisposed = Create(
        DiagnosticIds.NotDisposed,
        "Segment or queue handle is never disposed",
        "'{0}' is {1}: its mapping leaks until the process exits",
        "Each handle maps the segment and holds a shared flock on it; until it is disposed the memory stays mapped and other processes see it as in use. The analysis follows every path through the member: a handle that is still mapped where the member ends on some path (an early return, a branch that forgets it, a loop that opens again before disposing) is reported. Use a using declaration or statement, or call Dispose in a finally block. Handles returned, stored in a field or passed on are their new owner's.",
        LifetimeCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor WriteOutsideLock = Create(
        DiagnosticIds.WriteOutsideLock,
        "Write to shared data outside a lock",
        "Write to '{0}' through the unsynchronized Data view outside a held lock: other processes can see it half done or lose it",
        "Data is a view of memory that other processes change concurrently. A write through it without the lock races with them: another process can see a half-written struct or lose the update. Take the lock (using var g = segment.Lock()) and write through the guard. Interlocked and Volatile calls are atomic and not reported; reads are not reported.",
        ConcurrencyCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor GuardNotDisposed = Create(
        DiagnosticIds.GuardNotDisposed,
        "Lock guard is never disposed",
        "The Guard returned by '{0}' is {1}: the lock is never released and every other process blocks on it",
        "The lock is process-shared and released only when the Guard is disposed, on the same thread. A discarded or forgotten Guard keeps it held until this process dies, so every other process waiting for it hangs. The analysis follows every path: a Guard still held where the member ends on some path (an early return, a TryLock that succeeded but whose guard is never disposed, a guard variable overwritten by a second Lock) is reported. Use using var guard = segment.Lock().",
        ConcurrencyCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GuardRefEscapes = Create(
        DiagnosticIds.GuardRefEscapes,
        "Reference from a Guard escapes the Guard's scope",
        "'{0}' lets a reference into shared memory outlive the Guard '{1}': it is used after the lock is released",
        "The ref accessors of a Guard point into shared memory and are only safe while the Guard holds the lock. A ref returned from the method, or stored in a ref variable that outlives the Guard, lets code read and write after the lock is released, racing with other processes.",
        ConcurrencyCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor UseAfterDispose = Create(
        DiagnosticIds.UseAfterDispose,
        "Guard used after it was disposed",
        "'{0}' is used after the Guard '{1}' was disposed: the lock is no longer held",
        "Disposing a Guard releases the lock. A later access through the Guard, or through a ref or Span taken from it, reads or writes shared memory that other processes are already changing. Move the access before Dispose, or take the lock again.",
        ConcurrencyCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor WaitOutsideLoop = Create(
        DiagnosticIds.WaitOutsideLoop,
        "Guard.Wait not inside a loop that re-checks its condition",
        "'{0}' is not inside a loop that re-checks the condition it waits for: a spurious or stolen wake-up goes unnoticed",
        "Wait, like Monitor.Wait, may return without the condition being true: a wake-up can be spurious, meant for another waiter, or the state can change again before this process re-acquires the lock. Wait in a loop that re-checks the condition (while (!ready) guard.Wait();) so each wake-up is checked.",
        ConcurrencyCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor WideMode = Create(
        DiagnosticIds.WideMode,
        "Segment mode grants group or other access",
        "Mode {0} grants {1} access: {2}",
        "Shared memory in /dev/shm is a file: with group or other permission bits (the classic 0666) every such user on the machine can map it, read it and corrupt it while your processes trust its contents. Keep UserRead | UserWrite (0600) unless you deliberately share between users. Read bits alone (GroupRead, OtherRead, for ReadOnlyView readers) are reported at Info: they cannot corrupt, but reading is sharing too.",
        SecurityCategory,
        DiagnosticSeverity.Warning);

    private static DiagnosticDescriptor Create(string id, string title, string messageFormat, string description, string category, DiagnosticSeverity severity, params string[] customTags) =>
        new(id, title, messageFormat, category, severity, isEnabledByDefault: true, description, HelpLinkBase + id + ".md", customTags);
}
