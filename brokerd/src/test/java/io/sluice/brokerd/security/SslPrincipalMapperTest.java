package io.sluice.brokerd.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class SslPrincipalMapperTest {
    private static final String ALICE = "CN=Alice,OU=Eng,O=Example,C=DE";

    @Test
    void defaultKeepsTheWholeSubject() {
        assertThat(SslPrincipalMapper.parse("DEFAULT").map(ALICE)).contains(ALICE);
        assertThat(SslPrincipalMapper.parse("").map(ALICE)).contains(ALICE);
    }

    @Test
    void firstMatchingRuleWinsWithGroupsAndCase() {
        SslPrincipalMapper m = SslPrincipalMapper.parse("RULE:^CN=(.*?),OU=Ops,.*$/$1/, "
                + "RULE:^CN=(.*?),OU=(.*?),O=(.*?),.*$/$1@$2.$3/L ,DEFAULT");
        assertThat(m.map(ALICE)).contains("alice@eng.example");
        assertThat(m.map("CN=Bob,OU=Ops,O=Example,C=DE")).contains("Bob");
        assertThat(m.map("CN=carol")).contains("CN=carol");
        assertThat(SslPrincipalMapper.parse("RULE:^CN=([^,]*),.*$/$1/U").map(ALICE)).contains("ALICE");
    }

    @Test
    void noMatchingRuleMeansNoPrincipal() {
        assertThat(SslPrincipalMapper.parse("RULE:^CN=(.*),OU=Ops$/$1/").map(ALICE)).isEmpty();
    }

    @Test
    void escapedSlashesAndCommasInsidePatterns() {
        SslPrincipalMapper m = SslPrincipalMapper.parse("RULE:^CN=([^,]*),OU=a\\/b,.*$/$1\\/x/");
        assertThat(m.map("CN=svc,OU=a/b,O=X")).contains("svc/x");
    }

    @Test
    void aWholeSubjectPatternIsReplacedOnce() {
        // Kafka's replaceAll would give "xx" here (a second, empty match at the end): brokerd maps the one match.
        assertThat(SslPrincipalMapper.parse("RULE:.*/x/").map(ALICE)).contains("x");
    }

    @Test
    void malformedRulesAreNamed() {
        assertThatThrownBy(() -> SslPrincipalMapper.parse("RULE:^CN=(.*)$/$1")).hasMessageContaining("RULE:pattern/replacement/");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("RULE:^CN=(.*$/$1/")).hasMessageContaining("not a regular expression");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("RULE:^CN=(.*)$/$1/LX")).hasMessageContaining("expected ','");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("DEFAULT,")).hasMessageContaining("missing after the last ','");
        assertThatThrownBy(() -> SslPrincipalMapper.parse("CN=x")).hasMessageContaining("expected DEFAULT or RULE");
    }
}
