package io.equistream.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.equistream.TestAssets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupCatalogTest {
  private static GroupCatalog parse(String json) throws Exception {
    return GroupCatalog.parse(new ObjectMapper().readTree(json), TestAssets.tokenizer());
  }

  private static void assertInvalid(String json, String... expectedParts) {
    GroupsException error = assertThrows(GroupsException.class, () -> parse(json));
    for (String part : expectedParts) {
      assertTrue(error.getMessage().contains(part), error.getMessage());
    }
  }

  @Test
  void acceptsTheDocumentedShape() throws Exception {
    GroupCatalog catalog = parse("{\"groups\":[{\"name\":\"gender\",\"orbits\":[[\" man\",\" woman\"],[\" he\",\" she\"]]},"
        + "{\"name\":\"race\",\"orbits\":[[\" Black\",\" White\",\" Asian\",\" Hispanic\"]]}]}");
    ProductGroup group = catalog.select(List.of());
    assertEquals(List.of("gender", "race"), group.names());
    assertEquals(8, group.size());
    int man = TestAssets.tokenizer().singleTokenId(" man");
    int woman = TestAssets.tokenizer().singleTokenId(" woman");
    assertEquals(woman, group.act(new GroupElement(new int[] {1, 0}), man));
    assertEquals(man, group.act(new GroupElement(new int[] {1, 3}), woman));
    int black = TestAssets.tokenizer().singleTokenId(" Black");
    int hispanic = TestAssets.tokenizer().singleTokenId(" Hispanic");
    assertEquals(hispanic, group.act(new GroupElement(new int[] {0, 3}), black));
    assertEquals(black, group.factors().get(1).canonicalize(hispanic));
  }

  @Test
  void theDefaultFileIsValidWithTheFourGroups() {
    GroupCatalog catalog = TestAssets.catalog();
    assertEquals(List.of("gender", "race", "religion", "orientation"), catalog.names());
    assertEquals(64, catalog.select(List.of()).size());
  }

  @Test
  void rejectsAWordThatIsNotOneToken() {
    assertInvalid("{\"groups\":[{\"name\":\"race\",\"orbits\":[[\" Black\",\" Pacific Islander\"]]}]}",
        "race", "' Pacific Islander'", "not exactly one token");
  }

  @Test
  void rejectsAWordInTwoOrbits() {
    assertInvalid("{\"groups\":[{\"name\":\"gender\",\"orbits\":[[\" man\",\" woman\"],[\" he\",\" man\"]]}]}",
        "' man'", "orbit 0", "orbit 1");
  }

  @Test
  void rejectsAWordInTwoGroups() {
    assertInvalid("{\"groups\":[{\"name\":\"gender\",\"orbits\":[[\" man\",\" woman\"]]},"
        + "{\"name\":\"people\",\"orbits\":[[\" man\",\" person\"]]}]}", "' man'", "gender", "people");
  }

  @Test
  void rejectsOrbitsOfUnequalLength() {
    assertInvalid("{\"groups\":[{\"name\":\"gender\",\"orbits\":[[\" man\",\" woman\"],[\" he\",\" she\",\" they\"]]}]}",
        "gender", "same length");
  }

  @Test
  void rejectsAnEmptyGroup() {
    assertInvalid("{\"groups\":[{\"name\":\"nothing\",\"orbits\":[]}]}", "nothing", "empty");
    assertInvalid("{\"groups\":[{\"name\":\"nothing\",\"orbits\":[[]]}]}", "nothing", "empty");
  }

  @Test
  void rejectsAnUnknownGroupName() {
    GroupsException error = assertThrows(GroupsException.class, () -> TestAssets.catalog().select(List.of("gender", "caste")));
    assertTrue(error.getMessage().contains("'caste'") && error.getMessage().contains("gender"), error.getMessage());
  }

  @Test
  void rejectsMalformedFiles() {
    assertInvalid("{\"teams\":[]}", "\"groups\"");
    assertInvalid("{\"groups\":[{\"orbits\":[[\" man\",\" woman\"]]}]}", "no \"name\"");
    assertInvalid("{\"groups\":[{\"name\":\"g\",\"orbits\":[[\" man\"]]}]}", "at least 2");
  }
}
