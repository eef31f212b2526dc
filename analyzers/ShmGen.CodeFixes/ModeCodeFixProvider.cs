using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using ShmGen.Analyzers;

namespace ShmGen.CodeFixes;

/// <summary>SHM301: replaces a mode that grants group or other access with <c>UnixFileMode.UserRead | UnixFileMode.UserWrite</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ModeCodeFixProvider))]
[Shared]
public sealed class ModeCodeFixProvider : CodeFixProvider
{
    internal const string EquivalenceKey = "ShmGen.SHM301.OwnerOnly";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.WideMode];

    /// <inheritdoc />
    // Each fix replaces its own expression; the batch fixer merges non-overlapping edits.
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax mode)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use UserRead | UserWrite (0600)",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(mode, OwnerOnly().WithTriviaFrom(mode)))),
                    EquivalenceKey),
                diagnostic);
        }
    }

    // Fully qualified and marked for the simplifier: it becomes UnixFileMode.UserRead where System.IO is imported.
    private static ExpressionSyntax OwnerOnly()
    {
        var type = SyntaxFactory.ParseExpression("global::System.IO.UnixFileMode").WithAdditionalAnnotations(Simplifier.Annotation);
        return SyntaxFactory.BinaryExpression(
            SyntaxKind.BitwiseOrExpression,
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, type, SyntaxFactory.IdentifierName("UserRead")),
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, type, SyntaxFactory.IdentifierName("UserWrite")));
    }
}
