using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShmGen.Contract;
using ShmGen.Generator.Model;
using ShmGen.Layout;

namespace ShmGen.Generator;

public sealed partial class ShmGenerator
{
    /// <summary>Symbols to model. Returns null for anything the analyzers flag as an error: the generator stays silent.</summary>
    internal static class Parser
    {
        public static SegmentSpec? ParseSegment(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (!TryReadTarget(context, cancellationToken, out var type, out var attribute, out var name))
            {
                return null;
            }

            var mode = ShmContract.DefaultMode;
            var format = PayloadFormat.Standard;
            foreach (var argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "Mode" when argument.Value.Value is int m:
                        mode = (FileModeBits)m;
                        break;
                    case "Format" when argument.Value.Value is int f:
                        format = (PayloadFormat)f;
                        break;
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            var layout = LayoutCalculator.Compute(type);
            if (!layout.IsShareable || HasGuardNameClash(type))
            {
                return null;
            }

            return new SegmentSpec(Target(type, name, mode), format, Layout(layout), Accessors(type).ToEquatableArray());
        }

        public static QueueSpec? ParseQueue(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (!TryReadRing(context, cancellationToken, out var target, out var capacity, out var item))
            {
                return null;
            }

            var description = LayoutDescription.WriteQueue(capacity, item.Description);
            return new QueueSpec(target, capacity, item, LayoutFingerprint.Compute(description), description);
        }

        public static TopicSpec? ParseTopic(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (!TryReadRing(context, cancellationToken, out var target, out var capacity, out var item))
            {
                return null;
            }

            var description = LayoutDescription.WriteTopic(capacity, item.Description);
            return new TopicSpec(target, capacity, item, LayoutFingerprint.Compute(description), description);
        }

        /// <summary>What queues and topics share: a ring of items with a Capacity (SHM009) and a Mode.</summary>
        private static bool TryReadRing(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken, out SharedTypeSpec target, out int capacity, out PayloadLayoutSpec item)
        {
            target = null!;
            item = null!;
            capacity = ShmContract.DefaultQueueCapacity;
            if (!TryReadTarget(context, cancellationToken, out var type, out var attribute, out var name))
            {
                return false;
            }

            var mode = ShmContract.DefaultMode;
            foreach (var argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "Mode" when argument.Value.Value is int m:
                        mode = (FileModeBits)m;
                        break;
                    case "Capacity" when argument.Value.Value is int c:
                        capacity = c;
                        break;
                }
            }

            if (!QueueRules.IsValidCapacity(capacity))
            {
                return false;
            }

            cancellationToken.ThrowIfCancellationRequested();
            // SHM010 is about the segment's Guard; queues and topics have none, so their items may name a field Data.
            var layout = LayoutCalculator.Compute(type);
            if (!layout.IsShareable)
            {
                return false;
            }

            item = Layout(layout);
            target = Target(type, name, mode);
            return true;
        }

        /// <summary>The checks every shared type needs: a partial, non-generic struct (record structs too) with a valid name.</summary>
        private static bool TryReadTarget(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken, out INamedTypeSymbol type, out AttributeData attribute, out string name)
        {
            type = null!;
            attribute = null!;
            name = null!;
            if (context.TargetSymbol is not INamedTypeSymbol { TypeKind: TypeKind.Struct, IsRefLikeType: false } target || !IsPartialAll(target, cancellationToken))
            {
                return false;
            }

            var first = context.Attributes[0];
            if (first.ConstructorArguments.Length != 1 || first.ConstructorArguments[0].Value is not string value || SegmentNameRules.GetError(value, IsRaw(first)) is not null)
            {
                return false;
            }

            type = target;
            attribute = first;
            name = value;
            return true;
        }

        private static bool IsRaw(AttributeData attribute)
        {
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Format" && argument.Value.Value is int format)
                {
                    return (PayloadFormat)format == PayloadFormat.Raw;
                }
            }

            return false;
        }

        private static SharedTypeSpec Target(INamedTypeSymbol type, string name, FileModeBits mode)
        {
            var containing = new List<ContainingTypeSpec>();
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                containing.Insert(0, new ContainingTypeSpec(Keyword(outer), outer.Name));
            }

            return new SharedTypeSpec(
                type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString(),
                containing.ToEquatableArray(),
                type.Name,
                Keyword(type),
                type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                type.ToDisplayString(),
                AccessibilityKeyword(type.DeclaredAccessibility),
                name,
                mode);
        }

        private static PayloadLayoutSpec Layout(TypeLayout layout) =>
            new(layout.Size, layout.Alignment, layout.Fingerprint, layout.Description, layout.Leaves.ToEquatableArray());

        // SHM010: the Guard's accessors are named after the fields, beside its own members (Data, WasAbandoned, Dispose).
        private static bool HasGuardNameClash(INamedTypeSymbol type) =>
            LayoutCalculator.InstanceFields(type).Any(GeneratedNames.ClashesWithGuardMember);

        private static IEnumerable<FieldAccessorSpec> Accessors(INamedTypeSymbol type)
        {
            foreach (var field in LayoutCalculator.InstanceFields(type))
            {
                // Auto-property backing fields count for the layout but are reached through the property; private
                // fields are invisible to the generated type.
                if (!GeneratedNames.HasGuardAccessor(field))
                {
                    continue;
                }

                var accessibility = field.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
                var name = SyntaxFacts.GetKeywordKind(field.Name) != SyntaxKind.None ? "@" + field.Name : field.Name;
                if (field.IsFixedSizeBuffer && field.Type is IPointerTypeSymbol buffer)
                {
                    yield return new FieldAccessorSpec(name, buffer.PointedAtType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), accessibility, field.IsReadOnly, buffer.PointedAtType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), field.FixedSize);
                }
                else
                {
                    yield return new FieldAccessorSpec(name, field.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), accessibility, field.IsReadOnly, null, 0);
                }
            }
        }

        private static bool IsPartialAll(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            for (var t = type; t is not null; t = t.ContainingType)
            {
                var isPartial = t.DeclaringSyntaxReferences.Any(r =>
                    r.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration &&
                    declaration.Modifiers.Any(SyntaxKind.PartialKeyword));
                if (!isPartial || t.IsGenericType)
                {
                    return false;
                }
            }

            return true;
        }

        private static string Keyword(INamedTypeSymbol type) => type switch
        {
            { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Interface } => "interface",
            _ => "class",
        };

        private static string AccessibilityKeyword(Accessibility accessibility) => accessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.Private => "private",
            Accessibility.Protected => "protected",
            Accessibility.ProtectedOrInternal => "protected internal",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => "internal",
        };
    }
}
