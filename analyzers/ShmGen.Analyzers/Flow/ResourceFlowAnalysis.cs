using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using ShmGen.Layout;

namespace ShmGen.Analyzers.Flow;

/// <summary>
/// The one dataflow behind the lock and lifetime rules (docs/architecture.md, "Analyzers: the flow analysis"): a
/// forward may-analysis over a <see cref="ControlFlowGraph"/> that follows, per path, every Guard (<c>Lock</c>,
/// <c>TryLock</c>) and every segment or queue handle (<c>Create</c>, <c>Open</c>, <c>OpenOrCreate</c>) from its
/// allocation site: held or mapped, disposed, unlinked, handed on (escaped), or never acquired (TryLock's false branch,
/// a null test). Ownership passes on by a return, a store into a field, property, array or <c>ref</c>/<c>out</c>
/// parameter, an argument (constructor arguments included) other than <c>in</c>, or a capture by a lambda. Exceptional
/// paths are not leaks (as in CA2000's default): catch handlers start from what any point of their try block may
/// hold, and finally regions run on every normal exit through them. Lambdas and local functions get their own graph,
/// analysed as code that runs later, with nothing held.
/// </summary>
/// <remarks>
/// The rules read the state where it matters: SHM201 at every write that reaches <c>segment.Data</c>, SHM204 at every
/// use of a Guard (or a ref or Span taken from it), SHM202/SHM102 at the exit (still held or mapped on some path) and
/// where an allocation site runs again while its previous value is still live (a loop), SHM101 at the exit.
/// </remarks>
internal sealed class ResourceFlowAnalysis
{
    private const int MaxAllocations = 64;
    private const int MaxTransfersPerBlock = 64;

    private readonly ControlFlowGraph _graph;
    private readonly FlowContext _context;
    private readonly ShmGenSymbols _symbols;
    private readonly List<Allocation> _allocations = [];
    private readonly Dictionary<IOperation, Allocation> _byCall = new();
    private readonly List<IFlowAnonymousFunctionOperation> _lambdas = [];
    private readonly FlowState?[] _in;
    private readonly Queue<int> _work = new();
    private readonly HashSet<int> _queued = [];
    private int _budget;
    private bool _reporting;
    private bool _gaveUp;

    private ResourceFlowAnalysis(ControlFlowGraph graph, FlowContext context)
    {
        _graph = graph;
        _context = context;
        _symbols = context.Symbols;
        _in = new FlowState?[graph.Blocks.Length];
        _budget = MaxTransfersPerBlock * (graph.Blocks.Length + 1);
    }

    /// <summary>Analyses <paramref name="graph"/> and, as running later, every lambda and local function in it.</summary>
    public static void Run(ControlFlowGraph graph, FlowContext context)
    {
        var analysis = new ResourceFlowAnalysis(graph, context);
        analysis.Analyze();
        foreach (var lambda in analysis._lambdas)
        {
            Run(graph.GetAnonymousFunctionControlFlowGraph(lambda, context.CancellationToken), context);
        }

        foreach (var function in graph.LocalFunctions)
        {
            Run(graph.GetLocalFunctionControlFlowGraph(function, context.CancellationToken), context);
        }
    }

    private void Analyze()
    {
        FindAllocations();
        JoinInto(0, FlowState.Initial(_allocations.Count));
        while (_work.Count > 0 && !_gaveUp)
        {
            var ordinal = _work.Dequeue();
            _queued.Remove(ordinal);
            var block = _graph.Blocks[ordinal];
            var state = _in[ordinal]!.Clone();
            var value = Transfer(block, state);
            foreach (var (branch, edgeState) in Edges(block, state, value))
            {
                Follow(branch, edgeState);
            }
        }

        if (_gaveUp)
        {
            return; // too large to follow within the budget: report nothing rather than guess
        }

        _reporting = true;
        foreach (var block in _graph.Blocks)
        {
            if (_in[block.Ordinal] is { } entry)
            {
                Transfer(block, entry.Clone());
            }
        }

        if (_in[_graph.Blocks.Length - 1] is { } exit)
        {
            ReportAtExit(exit);
        }
    }

    private void FindAllocations()
    {
        foreach (var block in _graph.Blocks)
        {
            var roots = block.BranchValue is null ? block.Operations : block.Operations.Add(block.BranchValue);
            foreach (var operation in roots.SelectMany(o => o.DescendantsAndSelf()))
            {
                switch (operation)
                {
                    case IFlowAnonymousFunctionOperation lambda:
                        _lambdas.Add(lambda);
                        break;
                    case IInvocationOperation invocation when _allocations.Count < MaxAllocations && KindOf(invocation.TargetMethod) is { } kind:
                        var reportOn = invocation.Syntax;
                        if (kind == AllocationKind.TryLockGuard)
                        {
                            reportOn = invocation.Arguments.FirstOrDefault(a => a.Parameter is { RefKind: RefKind.Out } p && _symbols.IsGuard(p.Type))?.Syntax ?? reportOn;
                        }

                        var allocation = new Allocation(_allocations.Count, kind, invocation, reportOn);
                        _allocations.Add(allocation);
                        _byCall[invocation] = allocation;
                        break;
                }
            }
        }
    }

    private AllocationKind? KindOf(IMethodSymbol method)
    {
        if (_symbols.IsFactory(method))
        {
            return AllocationKind.Handle;
        }

        if (_symbols.IsLock(method))
        {
            return _symbols.IsGuard(method.ReturnType) ? AllocationKind.Guard
                : method.Parameters.Any(p => p.RefKind == RefKind.Out && _symbols.IsGuard(p.Type)) ? AllocationKind.TryLockGuard
                : null;
        }

        return null;
    }

    // ---- propagation ----

    private IEnumerable<(ControlFlowBranch Branch, FlowState State)> Edges(BasicBlock block, FlowState state, FlowValue value)
    {
        if (block.ConditionKind != ControlFlowConditionKind.None && block.ConditionalSuccessor is { } conditional)
        {
            var jumpsWhenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
            yield return (conditional, Refine(state.Clone(), value, jumpsWhenTrue));
            if (block.FallThroughSuccessor is { } fallThrough)
            {
                yield return (fallThrough, Refine(state, value, !jumpsWhenTrue));
            }
        }
        else if (block.FallThroughSuccessor is { } next)
        {
            yield return (next, state);
        }
    }

    private void Follow(ControlFlowBranch branch, FlowState state)
    {
        FlowState? current = state;
        foreach (var region in branch.FinallyRegions)
        {
            current = RunFinally(region, current);
            if (current is null)
            {
                return;
            }
        }

        if (branch.Destination is { } destination)
        {
            JoinInto(destination.Ordinal, current);
        }
    }

    private void JoinInto(int ordinal, FlowState state)
    {
        bool changed;
        if (_in[ordinal] is { } existing)
        {
            changed = existing.JoinWith(state);
        }
        else
        {
            _in[ordinal] = state.Clone();
            changed = true;
        }

        if (!changed)
        {
            return;
        }

        if (_queued.Add(ordinal))
        {
            _work.Enqueue(ordinal);
        }

        FlowIntoHandlers(ordinal);
    }

    /// <summary>An exception anywhere in a try block reaches its catch handlers, after any finally in between.</summary>
    private void FlowIntoHandlers(int ordinal)
    {
        FlowState? state = _in[ordinal];
        // Up to this graph's root only: a lambda's or local function's graph does not own the regions around it.
        for (var region = _graph.Blocks[ordinal].EnclosingRegion; region is not null && region != _graph.Root && state is not null; region = region.EnclosingRegion)
        {
            if (region.Kind == ControlFlowRegionKind.Finally)
            {
                // A finally that throws midway (before its Dispose ran) is not a path worth reporting a leak on.
                return;
            }

            if (region.Kind != ControlFlowRegionKind.Try || region.EnclosingRegion is not { } parent || !Owns(parent))
            {
                continue;
            }

            foreach (var handler in parent.NestedRegions)
            {
                switch (handler.Kind)
                {
                    case ControlFlowRegionKind.Catch or ControlFlowRegionKind.FilterAndHandler:
                        JoinInto(handler.FirstBlockOrdinal, Exceptional(state));
                        break;
                    case ControlFlowRegionKind.Finally:
                        JoinInto(handler.FirstBlockOrdinal, state);
                        state = RunFinally(handler, state);
                        break;
                }

                if (state is null)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// The state a catch handler starts from: what was live is no longer this path's to report (exceptional paths are
    /// not leaks), but a Guard still counts as held for the handler's writes.
    /// </summary>
    private static FlowState Exceptional(FlowState state)
    {
        var exceptional = state.Clone();
        for (var i = 0; i < exceptional.Facts.Length; i++)
        {
            if ((exceptional.Facts[i] & AllocationFacts.Live) != 0)
            {
                exceptional.Facts[i] = (exceptional.Facts[i] & ~AllocationFacts.Live) | AllocationFacts.Exceptional;
            }
        }

        return exceptional;
    }

    private bool Owns(ControlFlowRegion region) =>
        region.FirstBlockOrdinal >= 0 && region.LastBlockOrdinal < _graph.Blocks.Length &&
        _graph.Blocks[region.FirstBlockOrdinal].EnclosingRegion is { } first && Contains(region, first);

    private static bool Contains(ControlFlowRegion outer, ControlFlowRegion inner)
    {
        for (var current = inner; current is not null; current = current.EnclosingRegion)
        {
            if (current == outer)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The state after <paramref name="region"/> (a finally) runs from <paramref name="entry"/>; null when it never completes.</summary>
    private FlowState? RunFinally(ControlFlowRegion region, FlowState entry)
    {
        var states = new Dictionary<int, FlowState> { [region.FirstBlockOrdinal] = entry.Clone() };
        var work = new Queue<int>();
        work.Enqueue(region.FirstBlockOrdinal);
        JoinInto(region.FirstBlockOrdinal, entry);
        FlowState? result = null;
        while (work.Count > 0)
        {
            if (--_budget < 0)
            {
                _gaveUp = true;
                return null;
            }

            var ordinal = work.Dequeue();
            var block = _graph.Blocks[ordinal];
            var state = states[ordinal].Clone();
            var value = Transfer(block, state);
            foreach (var (branch, edgeState) in Edges(block, state, value))
            {
                FlowState? current = edgeState;
                foreach (var nested in branch.FinallyRegions)
                {
                    current = current is null ? null : RunFinally(nested, current);
                }

                if (current is null)
                {
                    continue;
                }

                if (branch.Destination is null)
                {
                    if (result is null)
                    {
                        result = current.Clone();
                    }
                    else
                    {
                        result.JoinWith(current);
                    }
                }
                else if (branch.Destination.Ordinal >= region.FirstBlockOrdinal && branch.Destination.Ordinal <= region.LastBlockOrdinal)
                {
                    var target = branch.Destination.Ordinal;
                    if (!states.TryGetValue(target, out var known))
                    {
                        states[target] = current.Clone();
                        work.Enqueue(target);
                    }
                    else if (known.JoinWith(current))
                    {
                        work.Enqueue(target);
                    }

                    JoinInto(target, current);
                }
            }
        }

        return result;
    }

    /// <summary>On the edge where the branch value is <paramref name="isTrue"/>: what it proves never acquired or null.</summary>
    private static FlowState Refine(FlowState state, FlowValue value, bool isTrue)
    {
        var dead = isTrue ? value.NullWhenTrue : value.NullWhenFalse;
        var notAcquired = isTrue ? value.AcquiredWhenFalse : value.AcquiredWhenTrue;
        if (notAcquired >= 0)
        {
            dead |= 1UL << notAcquired;
        }

        foreach (var index in Bits(dead))
        {
            state.Facts[index] = (state.Facts[index] & AllocationFacts.Sticky) | AllocationFacts.Dead;
        }

        return state;
    }

    // ---- transfer ----

    private FlowValue Transfer(BasicBlock block, FlowState state)
    {
        if (!_reporting && --_budget < 0)
        {
            _gaveUp = true;
            return default;
        }

        foreach (var operation in block.Operations)
        {
            Eval(operation, state);
        }

        if (block.BranchValue is not { } branchValue)
        {
            return default;
        }

        var value = Eval(branchValue, state);
        if (block.ConditionKind == ControlFlowConditionKind.None)
        {
            Escape(value, state); // returned or thrown
        }

        return value;
    }

    private FlowValue Eval(IOperation? operation, FlowState state, bool use = true)
    {
        switch (operation)
        {
            case null:
                return default;
            case IInvocationOperation invocation:
                return Invocation(invocation, state);
            case ISimpleAssignmentOperation assignment:
                return Assign(assignment, state);
            case ICompoundAssignmentOperation compound:
                Eval(compound.Target, state);
                Escape(Eval(compound.Value, state), state);
                ReportWrite(compound.Target, compound.Syntax, state);
                return default;
            case IIncrementOrDecrementOperation increment:
                Eval(increment.Target, state);
                ReportWrite(increment.Target, increment.Syntax, state);
                return default;
            case IDeconstructionAssignmentOperation deconstruction:
                Escape(Eval(deconstruction.Value, state), state);
                foreach (var element in TupleElements(deconstruction.Target))
                {
                    Eval(element, state);
                    ReportWrite(element, element.Syntax, state);
                }

                return default;
            case IConversionOperation conversion:
                return Eval(conversion.Operand, state, use);
            case ILocalReferenceOperation local:
                if (use)
                {
                    CheckUseAfterDispose(local, state);
                }

                return state.Locals.TryGetValue(local.Local, out var held) ? held : default;
            case IDeclarationExpressionOperation declaration:
                return Eval(declaration.Expression, state, use: false);
            case IFlowCaptureOperation capture:
                state.Captures[capture.Id] = Eval(capture.Value, state);
                return default;
            case IFlowCaptureReferenceOperation captured:
                return state.Captures.TryGetValue(captured.Id, out var value) ? value : default;
            case IPropertyReferenceOperation property:
                Eval(property.Instance, state);
                EvalArguments(property.Arguments, state, property.Property.GetMethod);
                return default;
            case IFieldReferenceOperation field:
                Eval(field.Instance, state);
                return default;
            case IInlineArrayAccessOperation inlineArray:
                Eval(inlineArray.Instance, state);
                Eval(inlineArray.Argument, state);
                return default;
            case IIsNullOperation isNull:
                return new FlowValue(0, nullWhenTrue: Eval(isNull.Operand, state).Allocations);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } comparison when IsNull(comparison.LeftOperand) || IsNull(comparison.RightOperand):
                var tested = Eval(IsNull(comparison.RightOperand) ? comparison.LeftOperand : comparison.RightOperand, state).Allocations;
                return comparison.OperatorKind == BinaryOperatorKind.Equals ? new FlowValue(0, nullWhenTrue: tested) : new FlowValue(0, nullWhenFalse: tested);
            case IIsPatternOperation pattern:
                var matched = Eval(pattern.Value, state).Allocations;
                return pattern.Pattern switch
                {
                    IConstantPatternOperation constant when IsNull(constant.Value) => new FlowValue(0, nullWhenTrue: matched),
                    INegatedPatternOperation { Pattern: IConstantPatternOperation constant } when IsNull(constant.Value) => new FlowValue(0, nullWhenFalse: matched),
                    _ => default,
                };
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                return Eval(not.Operand, state).Negated();
            case IExpressionStatementOperation statement:
                var result = Eval(statement.Operation, state);
                if (statement.IsImplicit)
                {
                    Escape(result, state); // the body of a lambda handed to someone else: Assert.Throws(() => segment.Lock())
                }

                return default;
            case IObjectCreationOperation creation:
                EvalArguments(creation.Arguments, state, creation.Constructor);
                Escape(Eval(creation.Initializer, state), state);
                return default;
            case IFlowAnonymousFunctionOperation:
            case IInstanceReferenceOperation:
            case IParameterReferenceOperation:
            case ILiteralOperation:
                return default;
            default:
                foreach (var child in operation.ChildOperations)
                {
                    Escape(Eval(child, state), state); // anything not modelled hands its operands on
                }

                return default;
        }
    }

    private FlowValue Invocation(IInvocationOperation invocation, FlowState state)
    {
        var method = invocation.TargetMethod;
        var instance = Eval(invocation.Instance, state, use: method.Name != GeneratedNames.Dispose);
        EvalArguments(invocation.Arguments, state, method);
        if (_reporting)
        {
            ReportCallWrites(invocation, state);
        }

        if (_byCall.TryGetValue(invocation, out var allocation))
        {
            return Allocate(allocation, invocation, state);
        }

        foreach (var index in Bits(instance.Allocations))
        {
            switch (method.Name)
            {
                case GeneratedNames.Dispose:
                    state.Facts[index] = (state.Facts[index] & AllocationFacts.Sticky) | AllocationFacts.Disposed;
                    break;
                case GeneratedNames.Unlink when !_allocations[index].IsGuard:
                    state.Facts[index] |= AllocationFacts.Unlinked;
                    break;
            }
        }

        return default;
    }

    private FlowValue Allocate(Allocation allocation, IInvocationOperation invocation, FlowState state)
    {
        var previous = state.Facts[allocation.Index];
        if (_reporting && (previous & AllocationFacts.Live) != 0)
        {
            // The same site runs again while what it made last time is still held or mapped: a loop that leaks.
            ReportLive(allocation, allocation.IsGuard ? "taken again in a loop before the previous one was disposed" : "replaced in a loop before the previous one was disposed");
        }

        state.Facts[allocation.Index] = AllocationFacts.Live | (previous & AllocationFacts.Sticky);
        var made = FlowValue.Of(allocation.Index);
        if (IsLambdaBody(invocation.Syntax))
        {
            Escape(made, state);
        }

        if (allocation.Kind != AllocationKind.TryLockGuard)
        {
            return made;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is not { RefKind: RefKind.Out } parameter || !_symbols.IsGuard(parameter.Type))
            {
                continue;
            }

            switch (argument.Value)
            {
                case IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared }:
                    Bind(declared.Local, made, state);
                    break;
                case ILocalReferenceOperation local:
                    Bind(local.Local, made, state);
                    break;
                case IDiscardOperation:
                    break;
                default:
                    Escape(made, state); // into an out/ref parameter or a field: the caller's
                    break;
            }
        }

        return FlowValue.Flag(allocation.Index);
    }

    private void EvalArguments(IEnumerable<IArgumentOperation> arguments, FlowState state, IMethodSymbol? method)
    {
        var atomic = _symbols.IsAtomicApi(method?.ContainingType);
        foreach (var argument in arguments)
        {
            var refKind = argument.Parameter?.RefKind ?? RefKind.None;
            var value = Eval(argument.Value, state, use: refKind != RefKind.Out);
            if (_reporting && !atomic)
            {
                if (refKind is RefKind.Ref or RefKind.Out)
                {
                    ReportWrite(argument.Value, argument.Syntax, state);
                }
                else if (refKind == RefKind.None && SharedAccess.IsWritableSpan(argument.Parameter?.Type))
                {
                    ReportWrite(argument.Value, argument.Syntax, state, contents: true); // source.CopyTo(span over segment.Data)
                }
            }

            switch (refKind)
            {
                case RefKind.In or RefKind.RefReadOnlyParameter:
                    break; // read by the callee, still this code's to release
                case RefKind.Out when argument.Value is ILocalReferenceOperation target:
                    state.Locals[target.Local] = default; // the callee overwrites it (TryLock's guard is bound after)
                    break;
                default:
                    Escape(value, state);
                    break;
            }
        }
    }

    private FlowValue Assign(ISimpleAssignmentOperation assignment, FlowState state)
    {
        if (assignment.IsRef)
        {
            Eval(assignment.Value, state);
            return default;
        }

        var value = Eval(assignment.Value, state);
        switch (assignment.Target)
        {
            case ILocalReferenceOperation local when local.Local.RefKind == RefKind.Ref:
                CheckUseAfterDispose(local, state); // a write through a ref local, not a new value for it
                ReportWrite(local, assignment.Syntax, state);
                break;
            case ILocalReferenceOperation local:
                Bind(local.Local, value, state);
                break;
            case IDiscardOperation:
                break;
            default:
                Eval(assignment.Target, state);
                Escape(value, state); // a field, property, array element or parameter now owns it
                ReportWrite(assignment.Target, assignment.Syntax, state);
                break;
        }

        return value;
    }

    private void Bind(ILocalSymbol local, FlowValue value, FlowState state)
    {
        state.Locals[local] = value;
        foreach (var index in Bits(value.Allocations))
        {
            state.Facts[index] |= AllocationFacts.Bound;
            _allocations[index].Local ??= local;
        }

        if (_context.Captured.Contains(local))
        {
            Escape(value, state);
        }
    }

    private static void Escape(FlowValue value, FlowState state)
    {
        foreach (var index in Bits(value.Mentioned))
        {
            if ((state.Facts[index] & AllocationFacts.Live) != 0)
            {
                state.Facts[index] = (state.Facts[index] & ~AllocationFacts.Live) | AllocationFacts.Escaped;
            }
        }
    }

    // ---- the rules' checks ----

    /// <summary>SHM201: a write whose target reaches <c>segment.Data</c> where no Guard on that segment is surely held.</summary>
    /// <param name="contents">The target is a Span or pointer local whose contents are written (Fill, CopyTo), not the local itself.</param>
    private void ReportWrite(IOperation target, SyntaxNode reportOn, FlowState state, bool contents = false)
    {
        // Re-pointing a Span or pointer local (p++, span = other) is not a write; assigning through a ref local is.
        if (!_reporting || (!contents && target is ILocalReferenceOperation { Local.RefKind: not RefKind.Ref }) ||
            _context.Access.DataReceiver(target) is not { } receiver || IsHeld(receiver, state))
        {
            return;
        }

        _context.Report(DiagnosticDescriptors.WriteOutsideLock, reportOn, target.Syntax.ToString());
    }

    /// <summary>SHM201 for calls that write: a mutating method of a struct in shared memory, Fill/Clear of a Span over it.</summary>
    private void ReportCallWrites(IInvocationOperation invocation, FlowState state)
    {
        if (invocation.Instance is not { } instance)
        {
            return;
        }

        var method = invocation.TargetMethod;
        var writes = SharedAccess.IsWritableSpan(method.ContainingType)
            ? method.Name is "Fill" or "Clear"
            : SharedAccess.IsMutatingStructMethod(method);
        if (writes)
        {
            ReportWrite(instance, invocation.Syntax, state, contents: true);
        }
    }

    private bool IsHeld(IOperation receiver, FlowState state)
    {
        foreach (var allocation in _allocations)
        {
            if (allocation.Receiver is { } locked && OperationTrees.SameReceiver(locked, receiver))
            {
                var facts = state.Facts[allocation.Index];
                if ((facts & AllocationFacts.Held) != 0 && (facts & (AllocationFacts.Absent | AllocationFacts.Disposed | AllocationFacts.Dead)) == 0)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>SHM204: a Guard local, or a ref/Span local taken from one, used where that Guard may be disposed.</summary>
    private void CheckUseAfterDispose(ILocalReferenceOperation reference, FlowState state)
    {
        if (!_reporting)
        {
            return;
        }

        var guard = _context.Access.GuardOf(reference.Local) ?? reference.Local;
        if (!_symbols.IsGuard(guard.Type) || !state.Locals.TryGetValue(guard, out var value))
        {
            return;
        }

        foreach (var index in Bits(value.Allocations))
        {
            if ((state.Facts[index] & AllocationFacts.Disposed) != 0)
            {
                _context.Report(DiagnosticDescriptors.UseAfterDispose, reference.Syntax, reference.Local.Name, guard.Name);
                return;
            }
        }
    }

    private void ReportAtExit(FlowState exit)
    {
        foreach (var allocation in _allocations)
        {
            var facts = exit.Facts[allocation.Index];
            if ((facts & AllocationFacts.Live) != 0)
            {
                ReportLive(
                    allocation,
                    (facts & AllocationFacts.Bound) == 0 && allocation.IsGuard ? "discarded"
                    : (facts & (AllocationFacts.Disposed | AllocationFacts.Escaped)) != 0 ? "not disposed on every path"
                    : "never disposed");
            }

            if (allocation.Kind == AllocationKind.Handle &&
                allocation.Call.TargetMethod.Name is GeneratedNames.Create or GeneratedNames.OpenOrCreate &&
                (facts & (AllocationFacts.Live | AllocationFacts.Disposed)) != 0 &&
                (facts & (AllocationFacts.Escaped | AllocationFacts.Unlinked)) == 0 &&
                _context.Original(allocation.Call) is { } original &&
                CreationIntent.OwnsUnhandledName(original, _context.RootOf(original), _symbols))
            {
                _context.Report(DiagnosticDescriptors.MissingUnlink, allocation.ReportOn, Subject(allocation));
            }
        }
    }

    private void ReportLive(Allocation allocation, string how)
    {
        if (allocation.IsGuard)
        {
            _context.Report(DiagnosticDescriptors.GuardNotDisposed, allocation.ReportOn, allocation.Call.TargetMethod.Name, how);
        }
        else
        {
            _context.Report(DiagnosticDescriptors.NotDisposed, allocation.ReportOn, Subject(allocation), how);
        }
    }

    private static string Subject(Allocation allocation) => allocation.Local?.Name ?? allocation.Call.TargetMethod.ContainingType.Name;

    // ---- helpers ----

    private static IEnumerable<IOperation> TupleElements(IOperation target)
    {
        var current = target is IConversionOperation conversion ? conversion.Operand : target;
        if (current is ITupleOperation tuple)
        {
            foreach (var element in tuple.Elements)
            {
                foreach (var leaf in TupleElements(element))
                {
                    yield return leaf;
                }
            }
        }
        else if (current is IDeclarationExpressionOperation declaration)
        {
            foreach (var leaf in TupleElements(declaration.Expression))
            {
                yield return leaf;
            }
        }
        else
        {
            yield return current;
        }
    }

    private static bool IsNull(IOperation operation) =>
        operation.ConstantValue is { HasValue: true, Value: null } ||
        (operation is IConversionOperation conversion && IsNull(conversion.Operand));

    /// <summary><c>() =&gt; segment.Lock()</c>: the value is the lambda's, handed to whoever runs it.</summary>
    private static bool IsLambdaBody(SyntaxNode call)
    {
        var node = call;
        while (node.Parent is ParenthesizedExpressionSyntax or CastExpressionSyntax)
        {
            node = node.Parent;
        }

        return node.Parent is LambdaExpressionSyntax lambda && lambda.Body == node;
    }

    private static IEnumerable<int> Bits(ulong set)
    {
        for (var index = 0; set != 0; index++, set >>= 1)
        {
            if ((set & 1) != 0)
            {
                yield return index;
            }
        }
    }
}
