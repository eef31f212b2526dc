using System.Threading.Tasks;
using ShmGen.CodeFixes;
using VerifyWait = ShmGen.Analyzers.Tests.Infrastructure.Verify<ShmGen.Analyzers.GuardWaitAnalyzer>;

namespace ShmGen.Analyzers.Tests;

public class GuardWaitAnalyzerTests
{
    private const string Mailbox = """
        [SharedSegment("mailbox")]
        public partial struct Mailbox
        {
            public int Count;
            public long Item;
        }

        """;

    [Fact]
    public Task SHM205_wait_under_an_if_or_alone_or_in_a_foreach_or_a_lambda() => VerifyWait.AnalyzerAsync(Mailbox + """
        public static class Consumer
        {
            public static long Take(MailboxSegment segment, int[] rounds)
            {
                using var guard = segment.Lock();
                if (guard.Count == 0)
                {
                    {|SHM205:guard.Wait()|};
                }

                {|SHM205:guard.Wait(TimeSpan.FromSeconds(1))|};
                foreach (var round in rounds)
                {
                    {|SHM205:guard.Wait()|};
                }

                guard.Count--;
                return guard.Item;
            }

            public static void InLambda(MailboxSegment segment)
            {
                while (true)
                {
                    Action wait = () =>
                    {
                        using var guard = segment.Lock();
                        {|SHM205:guard.Wait()|};
                    };
                    wait();
                }
            }
        }
        """);

    [Fact]
    public Task SHM205_near_miss_while_do_and_for_loops_that_re_check() => VerifyWait.AnalyzerAsync(Mailbox + """
        public static class Consumer
        {
            public static long Take(MailboxSegment segment)
            {
                using var guard = segment.Lock();
                while (guard.Count == 0)
                {
                    guard.Wait();
                }

                do
                {
                    if (!guard.Wait(TimeSpan.FromSeconds(1)))
                    {
                        throw new TimeoutException();
                    }
                }
                while (guard.Count == 0);

                for (var spins = 0; guard.Count == 0 && spins < 10; spins++)
                {
                    guard.Wait(TimeSpan.FromMilliseconds(10));
                }

                while (true)
                {
                    if (guard.Count > 0)
                    {
                        break;
                    }

                    guard.Wait();
                }

                guard.Count--;
                return guard.Item;
            }

            public static void Ordinary(System.Threading.Tasks.Task task) => task.Wait();
        }
        """);

    [Fact]
    public Task SHM205_fix_turns_the_if_into_a_while() => VerifyWait.CodeFixAsync<GuardWaitCodeFixProvider>(
        Mailbox + """
        public static class Consumer
        {
            public static long Take(MailboxSegment segment)
            {
                using var guard = segment.Lock();
                if (guard.Count == 0) {|SHM205:guard.Wait()|};
                if (guard.Item == 0)
                {
                    {|SHM205:guard.Wait()|};
                }

                return guard.Item;
            }
        }
        """,
        Mailbox + """
        public static class Consumer
        {
            public static long Take(MailboxSegment segment)
            {
                using var guard = segment.Lock();
                while (guard.Count == 0) guard.Wait();
                while (guard.Item == 0)
                {
                    guard.Wait();
                }

                return guard.Item;
            }
        }
        """);

    [Fact]
    public Task SHM205_no_fix_when_the_if_does_more_or_has_an_else() => VerifyWait.CodeFixAsync<GuardWaitCodeFixProvider>(
        Mailbox + """
        public static class Consumer
        {
            public static void Take(MailboxSegment segment)
            {
                using var guard = segment.Lock();
                if (guard.Count == 0)
                {
                    {|SHM205:guard.Wait()|};
                    guard.Item = 1;
                }
                else
                {
                    {|SHM205:guard.Wait()|};
                }
            }
        }
        """,
        Mailbox + """
        public static class Consumer
        {
            public static void Take(MailboxSegment segment)
            {
                using var guard = segment.Lock();
                if (guard.Count == 0)
                {
                    {|SHM205:guard.Wait()|};
                    guard.Item = 1;
                }
                else
                {
                    {|SHM205:guard.Wait()|};
                }
            }
        }
        """);
}
