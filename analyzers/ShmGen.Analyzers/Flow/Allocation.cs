using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ShmGen.Analyzers.Flow;

/// <summary>What an allocation site produces.</summary>
internal enum AllocationKind
{
    /// <summary><c>Lock()</c> or <c>Lock(TimeSpan)</c>: a held Guard.</summary>
    Guard,

    /// <summary><c>TryLock(timeout, out guard)</c>: a Guard held when the call returned true.</summary>
    TryLockGuard,

    /// <summary><c>Create</c>, <c>Open</c> or <c>OpenOrCreate</c> of a segment or queue: a mapped handle.</summary>
    Handle,
}

/// <summary>One allocation site in a control-flow graph: the call, what it makes, and the segment it locks.</summary>
internal sealed class Allocation
{
    public Allocation(int index, AllocationKind kind, IInvocationOperation call, SyntaxNode reportOn)
    {
        Index = index;
        Kind = kind;
        Call = call;
        ReportOn = reportOn;
    }

    public int Index { get; }

    public AllocationKind Kind { get; }

    /// <summary>The call in the control-flow graph.</summary>
    public IInvocationOperation Call { get; }

    /// <summary>The segment a Guard locks (the call's receiver), or null for a handle.</summary>
    public IOperation? Receiver => Kind == AllocationKind.Handle ? null : Call.Instance;

    /// <summary>Where a diagnostic about it goes: the call, or TryLock's <c>out</c> argument.</summary>
    public SyntaxNode ReportOn { get; }

    /// <summary>The first local it was kept in, for messages.</summary>
    public ILocalSymbol? Local { get; set; }

    public bool IsGuard => Kind != AllocationKind.Handle;
}
