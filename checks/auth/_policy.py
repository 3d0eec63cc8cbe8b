"""The base of checks that judge one setting of each identity provider's password policy."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator

from hardening.check import Check, CheckContext, ref
from hardening.estate import IdentityProvider, PasswordPolicy
from hardening.model import Finding


class PasswordPolicyCheck(Check):
    """Skips a provider that declares no password policy; `judge` sees the others."""

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        for provider in ctx.identity:
            declared = provider.password_policy
            if declared is None:
                yield self.skipped(
                    ref(provider), "no password policy is declared for this identity provider"
                )
                continue
            yield from self.judge(ctx, provider, declared)

    @abstractmethod
    def judge(
        self, ctx: CheckContext, provider: IdentityProvider, declared: PasswordPolicy
    ) -> Iterator[Finding]:
        """Findings for one provider whose password policy is declared."""
