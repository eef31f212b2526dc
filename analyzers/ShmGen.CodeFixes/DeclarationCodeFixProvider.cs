using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShmGen.Analyzers;

namespace ShmGen.CodeFixes;

/// <summary>SHM005: adds <c>partial</c> to the annotated struct and to every containing type that lacks it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DeclarationCodeFixProvider))]
[Shared]
public sealed class DeclarationCodeFixProvider : CodeFixProvider
{
    internal const string EquivalenceKey = "ShmGen.SHM005.AddPartial";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.NotPartial];

    /// <inheritdoc />
    // Two structs in one non-partial class would both add 'partial' to it; a document-wide pass adds it once.
    public override FixAllProvider GetFixAllProvider() => FixAll.Instance;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root is null || Targets(root, diagnostic).Count == 0)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Make partial",
                    cancellationToken => Task.FromResult(context.Document.WithSyntaxRoot(AddPartial(root, Targets(root, diagnostic)))),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The annotated type and its containing types that are not partial.</summary>
    private static List<TypeDeclarationSyntax> Targets(SyntaxNode root, Diagnostic diagnostic)
    {
        var node = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent;
        return node?.AncestorsAndSelf()
            .OfType<TypeDeclarationSyntax>()
            .Where(d => !d.Modifiers.Any(SyntaxKind.PartialKeyword))
            .ToList() ?? [];
    }

    private static SyntaxNode AddPartial(SyntaxNode root, IEnumerable<TypeDeclarationSyntax> declarations) =>
        root.ReplaceNodes(declarations.Distinct(), static (_, rewritten) => AddPartial(rewritten));

    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
    {
        if (declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return declaration;
        }

        var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (declaration.Modifiers.Count > 0)
        {
            // 'partial' must come right before the type keyword: after every other modifier (public readonly ref partial struct).
            return declaration.WithModifiers(declaration.Modifiers.Add(partial));
        }

        // No modifiers: the keyword carries the line's indentation; give it to 'partial'.
        var keyword = declaration.Keyword;
        return declaration
            .WithKeyword(keyword.WithLeadingTrivia())
            .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
    }

    private sealed class FixAll : DocumentBasedFixAllProvider
    {
        public static readonly FixAll Instance = new();

        protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
        {
            var root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return null;
            }

            return document.WithSyntaxRoot(AddPartial(root, diagnostics.SelectMany(d => Targets(root, d))));
        }
    }
}
