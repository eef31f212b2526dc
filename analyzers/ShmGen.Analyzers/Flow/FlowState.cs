using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace ShmGen.Analyzers.Flow;

/// <summary>What may be true of one allocation (a Guard or a handle) on the paths that reach a program point.</summary>
[Flags]
internal enum AllocationFacts : byte
{
    None = 0,

    /// <summary>Not created yet on some path.</summary>
    Absent = 1,

    /// <summary>Created, held (a Guard) or mapped (a handle), and still this code's to release.</summary>
    Live = 2,

    /// <summary>Disposed on some path.</summary>
    Disposed = 4,

    /// <summary>Handed on: returned, stored, passed, captured; its new owner decides.</summary>
    Escaped = 8,

    /// <summary>Never was: TryLock returned false, or the value was tested null.</summary>
    Dead = 16,

    /// <summary>Unlink was called on it on some path (sticky).</summary>
    Unlinked = 32,

    /// <summary>It was kept in a local at some point (sticky): not merely discarded.</summary>
    Bound = 64,

    /// <summary>Live when an exception reached a catch handler: not reported as a leak, still held for the handler.</summary>
    Exceptional = 128,

    /// <summary>The facts that say the lock is held right now, when no other bit is set.</summary>
    Held = Live | Escaped | Exceptional,

    /// <summary>Bits that survive a re-creation at the same site.</summary>
    Sticky = Unlinked | Bound,
}

/// <summary>
/// The abstract value of an expression: which allocations it may evaluate to, and, for the bool TryLock returns (or
/// a null test), which allocation the branch on it decides.
/// </summary>
internal readonly struct FlowValue : IEquatable<FlowValue>
{
    // The TryLock sites are kept one above their index, so that default(FlowValue) means "none", not site 0.
    private readonly int _whenTrue;
    private readonly int _whenFalse;

    public FlowValue(ulong allocations, int acquiredWhenTrue = -1, int acquiredWhenFalse = -1, ulong nullWhenTrue = 0, ulong nullWhenFalse = 0)
    {
        Allocations = allocations;
        _whenTrue = acquiredWhenTrue + 1;
        _whenFalse = acquiredWhenFalse + 1;
        NullWhenTrue = nullWhenTrue;
        NullWhenFalse = nullWhenFalse;
    }

    public ulong Allocations { get; }

    /// <summary>The TryLock allocation that holds the lock when this bool is true (-1: none).</summary>
    public int AcquiredWhenTrue => _whenTrue - 1;

    /// <summary>The TryLock allocation that holds the lock when this bool is false (-1: none).</summary>
    public int AcquiredWhenFalse => _whenFalse - 1;

    /// <summary>Allocations this condition proves null (so never created) when true.</summary>
    public ulong NullWhenTrue { get; }

    public ulong NullWhenFalse { get; }

    public static FlowValue Of(int allocation) => new(1UL << allocation);

    public static FlowValue Flag(int allocation) => new(0, acquiredWhenTrue: allocation);

    public FlowValue Negated() => new(Allocations, AcquiredWhenFalse, AcquiredWhenTrue, NullWhenFalse, NullWhenTrue);

    /// <summary>Every allocation this value mentions, flags included.</summary>
    public ulong Mentioned =>
        Allocations |
        (AcquiredWhenTrue >= 0 ? 1UL << AcquiredWhenTrue : 0) |
        (AcquiredWhenFalse >= 0 ? 1UL << AcquiredWhenFalse : 0);

    public FlowValue Join(FlowValue other) => new(
        Allocations | other.Allocations,
        AcquiredWhenTrue == other.AcquiredWhenTrue ? AcquiredWhenTrue : -1,
        AcquiredWhenFalse == other.AcquiredWhenFalse ? AcquiredWhenFalse : -1,
        NullWhenTrue & other.NullWhenTrue,
        NullWhenFalse & other.NullWhenFalse);

    public bool Equals(FlowValue other) =>
        Allocations == other.Allocations && _whenTrue == other._whenTrue && _whenFalse == other._whenFalse &&
        NullWhenTrue == other.NullWhenTrue && NullWhenFalse == other.NullWhenFalse;

    public override bool Equals(object? obj) => obj is FlowValue other && Equals(other);

    public override int GetHashCode() => Allocations.GetHashCode() ^ (_whenTrue * 31) ^ (_whenFalse * 17);
}

/// <summary>The state at a program point: facts per allocation, and what each local and flow capture may hold.</summary>
internal sealed class FlowState
{
    private FlowState(AllocationFacts[] facts, Dictionary<ILocalSymbol, FlowValue> locals, Dictionary<CaptureId, FlowValue> captures)
    {
        Facts = facts;
        Locals = locals;
        Captures = captures;
    }

    public AllocationFacts[] Facts { get; }

    public Dictionary<ILocalSymbol, FlowValue> Locals { get; }

    public Dictionary<CaptureId, FlowValue> Captures { get; }

    public static FlowState Initial(int allocations)
    {
        var facts = new AllocationFacts[allocations];
        for (var i = 0; i < facts.Length; i++)
        {
            facts[i] = AllocationFacts.Absent;
        }

        return new FlowState(facts, new Dictionary<ILocalSymbol, FlowValue>(SymbolEqualityComparer.Default), new Dictionary<CaptureId, FlowValue>());
    }

    public FlowState Clone() => new(
        (AllocationFacts[])Facts.Clone(),
        new Dictionary<ILocalSymbol, FlowValue>(Locals, SymbolEqualityComparer.Default),
        new Dictionary<CaptureId, FlowValue>(Captures));

    /// <summary>Merges <paramref name="other"/> into this state (paths meet); true when anything changed.</summary>
    public bool JoinWith(FlowState other)
    {
        var changed = false;
        for (var i = 0; i < Facts.Length; i++)
        {
            var joined = Facts[i] | other.Facts[i];
            changed |= joined != Facts[i];
            Facts[i] = joined;
        }

        changed |= Join(Locals, other.Locals);
        changed |= Join(Captures, other.Captures);
        return changed;
    }

    private static bool Join<TKey>(Dictionary<TKey, FlowValue> into, Dictionary<TKey, FlowValue> from)
        where TKey : notnull
    {
        var changed = false;
        foreach (var pair in from)
        {
            if (into.TryGetValue(pair.Key, out var existing))
            {
                var joined = existing.Join(pair.Value);
                if (!joined.Equals(existing))
                {
                    into[pair.Key] = joined;
                    changed = true;
                }
            }
            else
            {
                into[pair.Key] = pair.Value;
                changed = true;
            }
        }

        return changed;
    }
}
