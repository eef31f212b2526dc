using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShmGen.Analyzers;

namespace ShmGen.CodeFixes;

/// <summary>
/// SHM205: <c>if (!ready) guard.Wait();</c> becomes <c>while (!ready) guard.Wait();</c>. Offered only where that keeps
/// the meaning: the Wait is the if's whole body (a statement or a block) and the if has no else. Elsewhere the loop's
/// condition is the user's to write.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GuardWaitCodeFixProvider))]
[Shared]
public sealed class GuardWaitCodeFixProvider : CodeFixProvider
{
    internal const string EquivalenceKey = "ShmGen.SHM205.IfToWhile";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.WaitOutsideLoop];

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax wait ||
                EnclosingIf(wait) is not { } ifStatement)
            {
                continue;
            }

            var loop = SyntaxFactory.WhileStatement(ifStatement.Condition, ifStatement.Statement)
                .WithWhileKeyword(SyntaxFactory.Token(ifStatement.IfKeyword.LeadingTrivia, SyntaxKind.WhileKeyword, ifStatement.IfKeyword.TrailingTrivia))
                .WithOpenParenToken(ifStatement.OpenParenToken)
                .WithCloseParenToken(ifStatement.CloseParenToken)
                .WithTrailingTrivia(ifStatement.GetTrailingTrivia());
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Wait in a loop that re-checks the condition",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(ifStatement, loop))),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The if whose whole body is this Wait's statement, without an else.</summary>
    private static IfStatementSyntax? EnclosingIf(InvocationExpressionSyntax wait)
    {
        if (wait.Parent is not ExpressionStatementSyntax statement)
        {
            return null;
        }

        var body = statement.Parent is BlockSyntax { Statements.Count: 1 } block ? (StatementSyntax)block : statement;
        return body.Parent is IfStatementSyntax { Else: null } ifStatement && ifStatement.Statement == body ? ifStatement : null;
    }
}
