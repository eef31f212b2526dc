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
using ShmGen.Layout;

namespace ShmGen.CodeFixes;

/// <summary>
/// SHM201: wraps the statement that writes through <c>segment.Data</c> (with the adjacent statements that write
/// through the same segment) in <c>using (var g = segment.Lock()) { ... }</c> and rewrites <c>segment.Data.X</c> to
/// <c>g.X</c> (<c>g.Data</c> where the Guard has no accessor for the member).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LockDisciplineCodeFixProvider))]
[Shared]
public sealed class LockDisciplineCodeFixProvider : CodeFixProvider
{
    internal const string EquivalenceKey = "ShmGen.SHM201.WrapInLock";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.WriteOutsideLock];

    /// <inheritdoc />
    // Several writes in a row become one lock block, so fixes overlap: a document-wide pass groups them first.
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
            if (Plan.For(root, model, diagnostic, context.CancellationToken) is not { } plan)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Write under {plan.ReceiverText}.Lock()",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(Apply(root, [plan]))),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static SyntaxNode Apply(SyntaxNode root, IReadOnlyList<Plan> plans)
    {
        // Mark every run first (the tree changes as runs are replaced), skipping runs that overlap one already taken.
        var taken = new HashSet<StatementSyntax>();
        var marked = new List<(Plan Plan, SyntaxAnnotation Mark)>();
        var marks = new Dictionary<StatementSyntax, SyntaxAnnotation>();
        foreach (var plan in plans.OrderBy(p => p.Run[0].SpanStart))
        {
            if (plan.Run.Any(taken.Contains))
            {
                continue;
            }

            var mark = new SyntaxAnnotation();
            foreach (var statement in plan.Run)
            {
                taken.Add(statement);
                marks[statement] = mark;
            }

            marked.Add((plan, mark));
        }

        root = root.ReplaceNodes(marks.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(marks[original]));
        foreach (var (plan, mark) in marked)
        {
            var current = root.GetAnnotatedNodes(mark).OfType<StatementSyntax>().OrderBy(s => s.SpanStart).ToList();
            if (current.Count == 0)
            {
                continue;
            }

            var replacement = plan.BuildUsing();
            if (current.Count == 1)
            {
                root = root.ReplaceNode(current[0], replacement);
                continue;
            }

            var block = (BlockSyntax)current[0].Parent!;
            var index = block.Statements.IndexOf(current[0]);
            var statements = block.Statements.Take(index).Append(replacement).Concat(block.Statements.Skip(index + current.Count));
            root = root.ReplaceNode(block, block.WithStatements(SyntaxFactory.List(statements)));
        }

        return root;
    }

    /// <summary>The statements to wrap, the segment expression to lock and the rewritten statements.</summary>
    private sealed class Plan
    {
        private readonly ExpressionSyntax _receiver;
        private readonly string _guardName;
        private readonly List<StatementSyntax> _rewritten;

        private Plan(List<StatementSyntax> run, ExpressionSyntax receiver, string guardName, List<StatementSyntax> rewritten)
        {
            Run = run;
            _receiver = receiver;
            _guardName = guardName;
            _rewritten = rewritten;
        }

        public List<StatementSyntax> Run { get; }

        public string ReceiverText => _receiver.ToString();

        public static Plan? For(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var data = node.DescendantNodesAndSelf()
                .OfType<MemberAccessExpressionSyntax>()
                .FirstOrDefault(m => IsUnsynchronizedData(m, model, cancellationToken));
            if (data is null || !IsSimpleReceiver(data.Expression) ||
                node.FirstAncestorOrSelf<StatementSyntax>() is not ExpressionStatementSyntax statement)
            {
                return null;
            }

            var receiver = data.Expression;
            var run = new List<StatementSyntax> { statement };
            if (statement.Parent is BlockSyntax block)
            {
                var index = block.Statements.IndexOf(statement);
                for (var i = index - 1; i >= 0 && WritesThrough(block.Statements[i], receiver, model, cancellationToken); i--)
                {
                    run.Insert(0, block.Statements[i]);
                }

                for (var i = index + 1; i < block.Statements.Count && WritesThrough(block.Statements[i], receiver, model, cancellationToken); i++)
                {
                    run.Add(block.Statements[i]);
                }
            }

            var guardName = UniqueName(model, run, "g");
            var rewritten = run.Select(s => Rewrite(s, receiver, guardName, model, cancellationToken)).ToList();
            return new Plan(run, receiver, guardName, rewritten);
        }

        public UsingStatementSyntax BuildUsing()
        {
            var lockCall = SyntaxFactory.InvocationExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, _receiver.WithoutTrivia(), SyntaxFactory.IdentifierName(GeneratedNames.Lock)));
            var declaration = SyntaxFactory.VariableDeclaration(
                SyntaxFactory.IdentifierName("var"),
                [SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(_guardName)).WithInitializer(SyntaxFactory.EqualsValueClause(lockCall))]);
            var body = _rewritten.ToList();
            body[0] = body[0].WithoutLeadingTrivia();
            body[body.Count - 1] = body[body.Count - 1].WithoutTrailingTrivia();
            return SyntaxFactory.UsingStatement(declaration, expression: null, SyntaxFactory.Block(body))
                .WithLeadingTrivia(Run[0].GetLeadingTrivia())
                .WithTrailingTrivia(Run[Run.Count - 1].GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
        }

        private static StatementSyntax Rewrite(StatementSyntax statement, ExpressionSyntax receiver, string guardName, SemanticModel model, CancellationToken cancellationToken)
        {
            var replacements = new Dictionary<SyntaxNode, SyntaxNode>();
            foreach (var data in DataAccesses(statement, receiver))
            {
                var guard = SyntaxFactory.IdentifierName(guardName);
                if (data.Parent is MemberAccessExpressionSyntax member && member.Expression == data &&
                    model.GetSymbolInfo(member, cancellationToken).Symbol is IFieldSymbol field && GeneratedNames.HasGuardAccessor(field))
                {
                    // segment.Data.Value -> g.Value: the Guard's ref accessor for the field.
                    replacements[member] = member.WithExpression(guard.WithTriviaFrom(data));
                }
                else
                {
                    // segment.Data -> g.Data: the whole struct, or a member the Guard has no accessor for.
                    replacements[data] = data.WithExpression(guard.WithTriviaFrom(data.Expression));
                }
            }

            return statement.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]);
        }

        private static IEnumerable<MemberAccessExpressionSyntax> DataAccesses(SyntaxNode scope, ExpressionSyntax receiver) =>
            scope.DescendantNodes()
                .OfType<MemberAccessExpressionSyntax>()
                .Where(m => m.Name.Identifier.ValueText == GeneratedNames.Data && m.Expression.IsEquivalentTo(receiver, topLevel: false));

        private static bool IsUnsynchronizedData(MemberAccessExpressionSyntax member, SemanticModel model, CancellationToken cancellationToken) =>
            member.Name.Identifier.ValueText == GeneratedNames.Data &&
            model.GetSymbolInfo(member, cancellationToken).Symbol is IPropertySymbol property &&
            ShmGenSymbols.TryCreate(model.Compilation) is { } symbols &&
            symbols.IsUnsynchronizedData(property);

        /// <summary>A receiver that can be evaluated again for <c>.Lock()</c>: names and member accesses, no calls.</summary>
        private static bool IsSimpleReceiver(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax => true,
            ThisExpressionSyntax => true,
            MemberAccessExpressionSyntax member => IsSimpleReceiver(member.Expression),
            _ => false,
        };

        /// <summary>Whether the statement assigns, increments or passes by ref/out something under <c>receiver.Data</c>.</summary>
        private static bool WritesThrough(StatementSyntax statement, ExpressionSyntax receiver, SemanticModel model, CancellationToken cancellationToken)
        {
            if (statement is not ExpressionStatementSyntax)
            {
                return false;
            }

            foreach (var data in DataAccesses(statement, receiver))
            {
                if (!IsUnsynchronizedData(data, model, cancellationToken))
                {
                    continue;
                }

                SyntaxNode top = data;
                while (top.Parent is { } parent &&
                       (parent is MemberAccessExpressionSyntax { Expression: var target } && target == top ||
                        parent is ElementAccessExpressionSyntax { Expression: var element } && element == top ||
                        parent is ParenthesizedExpressionSyntax))
                {
                    top = parent;
                }

                switch (top.Parent)
                {
                    case AssignmentExpressionSyntax assignment when assignment.Left == top:
                    case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression):
                    case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression):
                    case ArgumentSyntax argument when argument.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) || argument.RefKindKeyword.IsKind(SyntaxKind.OutKeyword):
                        return true;
                }
            }

            return false;
        }

        private static string UniqueName(SemanticModel model, List<StatementSyntax> run, string baseName)
        {
            var usedInside = new HashSet<string>(run.SelectMany(s => s.DescendantTokens()).Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
            var name = baseName;
            for (var i = 2; usedInside.Contains(name) || model.LookupSymbols(run[0].SpanStart, name: name).Length > 0; i++)
            {
                name = baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return name;
        }
    }

    private sealed class FixAll : DocumentBasedFixAllProvider
    {
        public static readonly FixAll Instance = new();

        protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
        {
            var root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return null;
            }

            var plans = diagnostics
                .Select(d => Plan.For(root, model, d, fixAllContext.CancellationToken))
                .OfType<Plan>()
                .ToList();
            return document.WithSyntaxRoot(Apply(root, plans));
        }
    }
}
