using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.CallCenter;

/// <summary>Computes the call statistics from call records (inbound calls of one period).</summary>
internal static class CallStatisticsCalculator
{
    public static CallStatistics Compute(DateTimeOffset from, DateTimeOffset to, IReadOnlyList<CrmRecord> calls)
    {
        var answered = calls.Where(c => c[CallFields.AnsweredAt] is not null).ToList();
        var ended = calls.Where(c => CallCenterService.Status(c) == CallStatus.Completed).ToList();
        var abandoned = calls.Count(c => CallCenterService.Status(c) == CallStatus.Abandoned);
        var rated = calls.Select(c => c[CallFields.Satisfaction] as decimal?).OfType<decimal>().ToList();
        var agents = answered
            .Where(c => c[CallFields.AgentUserId] is string)
            .GroupBy(c => (string)c[CallFields.AgentUserId]!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var agentEnded = g.Where(c => CallCenterService.Status(c) == CallStatus.Completed).ToList();
                var agentRated = g.Select(c => c[CallFields.Satisfaction] as decimal?).OfType<decimal>().ToList();
                return new AgentCallStatistics(
                    g.Key,
                    g.Count(),
                    g.Sum(c => c[CallFields.TalkSeconds] as decimal? ?? 0m),
                    g.Count(c => c[CallFields.Resolved] is true),
                    Average(agentEnded.Select(c => c[CallFields.TalkSeconds] as decimal? ?? 0m)),
                    Average(agentRated));
            })
            .ToList();
        return new CallStatistics
        {
            From = from,
            To = to,
            Offered = calls.Count,
            Answered = answered.Count,
            Abandoned = abandoned,
            Waiting = calls.Count(c => CallCenterService.Status(c) is CallStatus.Ringing or CallStatus.Queued),
            AbandonRate = Ratio(abandoned, calls.Count),
            AverageSpeedOfAnswerSeconds = Average(answered.Select(c => c[CallFields.WaitSeconds] as decimal? ?? 0m)),
            AverageTalkSeconds = Average(ended.Select(c => c[CallFields.TalkSeconds] as decimal? ?? 0m)),
            FirstCallResolutionRate = Ratio(ended.Count(c => c[CallFields.Resolved] is true), ended.Count),
            AverageSatisfaction = Average(rated),
            Agents = agents,
        };
    }

    private static decimal? Ratio(int part, int whole) => whole == 0 ? null : Math.Round((decimal)part / whole, 4);

    private static decimal? Average(IEnumerable<decimal> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? null : Math.Round(list.Average(), 2);
    }
}
