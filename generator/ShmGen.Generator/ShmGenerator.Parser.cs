using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShmGen.Generator.Model;
using ShmGen.Layout;

namespace ShmGen.Generator;

public sealed partial class ShmGenerator
{
    /// <summary>Symbols to model. Returns null for anything the analyzers flag as an error: the generator stays silent.</summary>
    internal static class Parser
    {
        private const int DefaultMode = 0x180; // 0600

        public static SegmentSpec? Parse(GeneratorAttributeSyntaxContext context, SharedTypeKind kind, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || type.TypeKind != TypeKind.Struct || type.IsRefLikeType)
            {
                return null;
            }

            if (!IsPartialAll(type, cancellationToken))
            {
                return null;
            }

            var attribute = context.Attributes[0];
            if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string name || SegmentNameRules.GetError(name) is not null)
            {
                return null;
            }

            var mode = DefaultMode;
            var format = 0;
            var capacity = QueueRules.DefaultCapacity;
            foreach (var argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "Mode" when argument.Value.Value is int m:
                        mode = m;
                        break;
                    case "Format" when argument.Value.Value is int f:
                        format = f;
                        break;
                    case "Capacity" when argument.Value.Value is int c:
                        capacity = c;
                        break;
                }
            }

            if (kind is SharedTypeKind.Queue or SharedTypeKind.Topic && !QueueRules.IsValidCapacity(capacity))
            {
                return null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var layout = LayoutCalculator.Compute(type);
            // SHM010 is about the segment's Guard; queues and topics have none, so its items may name a field Data.
            if (!layout.IsShareable || (kind == SharedTypeKind.Segment && HasGuardNameClash(type)))
            {
                return null;
            }

            var containing = new List<ContainingTypeSpec>();
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                containing.Insert(0, new ContainingTypeSpec(Keyword(outer), outer.Name));
            }

            return new SegmentSpec(
                kind,
                type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString(),
                containing.ToEquatableArray(),
                type.Name,
                type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                type.ToDisplayString(),
                AccessibilityKeyword(type.DeclaredAccessibility),
                name,
                mode,
                format,
                capacity,
                layout.Size,
                layout.Alignment,
                layout.Fingerprint,
                layout.Description,
                Accessors(type).ToEquatableArray(),
                layout.Leaves.ToEquatableArray());
        }

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
