using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Marketing.Targeting;

/// <summary>
/// Whether a contact or lead may be reached on a campaign channel: consent (contact: <c>doNotEmail</c>,
/// <c>doNotCall</c>; lead: <c>marketingOptOut</c>) and an address for the channel. The same fields the core outbox
/// checks when it notifies a contact.
/// </summary>
internal static class Consent
{
    /// <summary>The reason the record cannot be targeted on the channel, or <see langword="null"/> when it can.</summary>
    public static string? Blocker(CrmRecord record, string channel)
    {
        var isLead = string.Equals(record.EntityType, MarketingEntities.Lead, StringComparison.Ordinal);
        var who = $"{record.EntityType} {record.Id}";
        if (isLead && record.Flag(LeadMarketingFields.MarketingOptOut))
        {
            return $"{who} opted out of marketing (marketingOptOut).";
        }

        var email = record.Text(isLead ? SalesNames.LeadEmail : ContactFields.Email);
        var phone = isLead ? record.Text(SalesNames.LeadPhone) : record.Text(ContactFields.MobilePhone) ?? record.Text(ContactFields.Phone);
        switch (channel)
        {
            case CampaignChannel.Email:
                if (!isLead && record.Flag(ContactFields.DoNotEmail))
                {
                    return $"{who} opted out of e-mail (doNotEmail).";
                }

                return email is null ? $"{who} has no e-mail address for an e-mail campaign." : null;
            case CampaignChannel.Sms or CampaignChannel.Phone:
                if (!isLead && record.Flag(ContactFields.DoNotCall))
                {
                    return $"{who} opted out of calls and text messages (doNotCall).";
                }

                return phone is null ? $"{who} has no phone number for a {channel} campaign." : null;
            default:
                return null;
        }
    }
}
