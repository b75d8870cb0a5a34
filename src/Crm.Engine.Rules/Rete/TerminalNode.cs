namespace Crm.Engine.Rules.Rete;

internal sealed class TerminalNode(int memoryIndex, CompiledBranch branch) : ILeftSink
{
    public CompiledBranch Branch { get; } = branch;

    public void LeftAssert(Session session, Token token)
    {
        var activation = Session.CreateActivation(Branch, token);
        session.GetMemory<Dictionary<Token, Activation>>(memoryIndex)[token] = activation;
        session.OnActivationCreated(activation);
    }

    public void LeftUpdate(Session session, Token token)
    {
        if (session.GetMemory<Dictionary<Token, Activation>>(memoryIndex).TryGetValue(token, out var activation))
        {
            session.OnActivationUpdated(activation);
        }
        else
        {
            LeftAssert(session, token);
        }
    }

    public void LeftRetract(Session session, Token token)
    {
        if (session.GetMemory<Dictionary<Token, Activation>>(memoryIndex).Remove(token, out var activation))
        {
            session.OnActivationDeleted(activation);
        }
    }
}
