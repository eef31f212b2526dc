using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ShmGen.Generator;

/// <summary>
/// Emits <c>{Struct}Segment</c> for every <c>[SharedSegment]</c> struct and <c>{Struct}Queue</c> for every <c>[SharedQueue]</c> struct. It reports nothing: invalid input is skipped and the analyzers explain why.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class ShmGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var segments = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TypeNames.SharedSegmentAttributeMetadataName,
                static (node, _) => IsStructDeclaration(node),
                static (context, cancellationToken) => Parser.ParseSegment(context, cancellationToken))
            .WithTrackingName(TrackingNames.SegmentSpecs)
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(TrackingNames.ValidSegments);

        context.RegisterSourceOutput(segments, static (output, spec) => output.AddSource(Emitter.HintName(spec), Emitter.Emit(spec)));

        var queues = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TypeNames.SharedQueueAttributeMetadataName,
                static (node, _) => IsStructDeclaration(node),
                static (context, cancellationToken) => Parser.ParseQueue(context, cancellationToken))
            .WithTrackingName(TrackingNames.QueueSpecs)
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(TrackingNames.ValidQueues);

        context.RegisterSourceOutput(queues, static (output, spec) => output.AddSource(Emitter.HintName(spec), Emitter.Emit(spec)));
    }

    /// <summary>A <c>struct</c> or a <c>record struct</c>: record structs are structs, laid out the same way.</summary>
    private static bool IsStructDeclaration(SyntaxNode node) =>
        node is StructDeclarationSyntax or RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: (int)SyntaxKind.StructKeyword };
}
