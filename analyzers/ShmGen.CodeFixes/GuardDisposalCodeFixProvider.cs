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
using Microsoft.CodeAnalysis.Formatting;
using ShmGen.Analyzers;

namespace ShmGen.CodeFixes;

/// <summary>
/// SHM202: makes the Guard from <c>Lock()</c> a <c>using</c> declaration, so the lock is released at the end of the
/// scope: <c>var g = s.Lock();</c> becomes <c>using var g = s.Lock();</c> and a discarded <c>s.Lock();</c> becomes
/// <c>using var guard = s.Lock();</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GuardDisposalCodeFixProvider))]
[Shared]
public sealed class GuardDisposalCodeFixProvider : CodeFixProvider
{
    internal const string EquivalenceKey = "ShmGen.SHM202.AddUsing";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.GuardNotDisposed];

    /// <inheritdoc />
    // Not the batch fixer: two discarded guards in one block would both become 'guard'. Fixing one at a time, last
    // first, lets each fix see the names the previous ones introduced (and keeps earlier positions valid).
    public override FixAllProvider GetFixAllProvider() => FixAll.Instance;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation ||
                Rewrite(invocation, model, context.CancellationToken) is not { } rewrite)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Dispose the guard with 'using'",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(rewrite.Statement, rewrite.Replacement))),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static (StatementSyntax Statement, StatementSyntax Replacement)? Rewrite(InvocationExpressionSyntax invocation, SemanticModel model, CancellationToken cancellationToken)
    {
        SyntaxNode expression = invocation;
        while (expression.Parent is ParenthesizedExpressionSyntax parenthesized)
        {
            expression = parenthesized;
        }

        var parent = expression.Parent;

        // var g = s.Lock();  ->  using var g = s.Lock();
        if (parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax declaration } } declarator } &&
            declaration.UsingKeyword.IsKind(SyntaxKind.None) &&
            AllowsUsingDeclaration(declaration) &&
            model.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol local &&
            !IsReassigned(declaration.Parent!, local, model, cancellationToken))
        {
            var first = declaration.GetFirstToken();
            var replacement = declaration
                .ReplaceToken(first, first.WithLeadingTrivia())
                .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithLeadingTrivia(first.LeadingTrivia).WithTrailingTrivia(SyntaxFactory.Space));
            return (declaration, replacement);
        }

        // s.Lock();  or  _ = s.Lock();  ->  using var guard = s.Lock();
        var statement = parent switch
        {
            ExpressionStatementSyntax expressionStatement => expressionStatement,
            AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" }, Parent: ExpressionStatementSyntax expressionStatement } => expressionStatement,
            _ => null,
        };
        if (statement is null || !AllowsUsingDeclaration(statement))
        {
            return null;
        }

        var name = UniqueName(model, statement.SpanStart, "guard");
        var usingDeclaration = SyntaxFactory.LocalDeclarationStatement(
                SyntaxFactory.VariableDeclaration(
                    SyntaxFactory.IdentifierName("var"),
                    [SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name)).WithInitializer(SyntaxFactory.EqualsValueClause(invocation.WithoutTrivia()))]))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword))
            .WithTriviaFrom(statement)
            .WithAdditionalAnnotations(Formatter.Annotation);
        return (statement, usingDeclaration);
    }

    /// <summary>A using declaration needs a block (or top-level code); not a switch section or an embedded statement.</summary>
    private static bool AllowsUsingDeclaration(StatementSyntax statement) => statement.Parent is BlockSyntax or GlobalStatementSyntax;

    private static bool IsReassigned(SyntaxNode scope, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken) =>
        scope.DescendantNodes()
            .OfType<AssignmentExpressionSyntax>()
            .Any(a => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(a.Left, cancellationToken).Symbol, local));

    internal static string UniqueName(SemanticModel model, int position, string baseName)
    {
        var name = baseName;
        for (var i = 2; model.LookupSymbols(position, name: name).Length > 0; i++)
        {
            name = baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return name;
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

            // Mark the Lock() calls, then fix them in source order against a fresh semantic model each time, so the
            // names come out as one-at-a-time fixing would give them (guard, guard2, ...).
            var marks = new Dictionary<SyntaxNode, SyntaxAnnotation>();
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax invocation)
                {
                    marks[invocation] = new SyntaxAnnotation();
                }
            }

            var ordered = marks.OrderBy(m => m.Key.SpanStart).Select(m => m.Value).ToList();
            document = document.WithSyntaxRoot(root.ReplaceNodes(marks.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(marks[original])));
            foreach (var mark in ordered)
            {
                root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
                var model = await document.GetSemanticModelAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
                if (root?.GetAnnotatedNodes(mark).FirstOrDefault() is InvocationExpressionSyntax invocation &&
                    model is not null &&
                    Rewrite(invocation, model, fixAllContext.CancellationToken) is { } rewrite)
                {
                    document = document.WithSyntaxRoot(root.ReplaceNode(rewrite.Statement, rewrite.Replacement));
                }
            }

            return document;
        }
    }
}
