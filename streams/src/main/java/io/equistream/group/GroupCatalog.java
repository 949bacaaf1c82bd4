package io.equistream.group;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.equistream.lm.GptTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The groups of a groups file, validated against a tokenizer. File shape:
 * {"groups":[{"name":"gender","orbits":[[" man"," woman"],[" he"," she"]]}, ...]}.
 */
public final class GroupCatalog {
  private final Map<String, CyclicGroup> groups;

  private GroupCatalog(Map<String, CyclicGroup> groups) {
    this.groups = groups;
  }

  public static GroupCatalog load(Path file, GptTokenizer tokenizer) {
    if (!Files.isRegularFile(file)) {
      throw new GroupsException("groups file not found: " + file);
    }
    try {
      return parse(new ObjectMapper().readTree(file.toFile()), tokenizer);
    } catch (IOException e) {
      throw new GroupsException("groups file " + file + " is not valid JSON: " + e.getMessage());
    }
  }

  /** The group names of a groups file, without validating its words (no tokenizer needed); empty if unreadable. */
  public static List<String> namesIn(Path file) {
    try {
      List<String> names = new ArrayList<>();
      new ObjectMapper().readTree(file.toFile()).path("groups").forEach(g -> names.add(g.path("name").asText("")));
      return names;
    } catch (IOException e) {
      return List.of();
    }
  }

  public static GroupCatalog parse(JsonNode root, GptTokenizer tokenizer) {
    JsonNode list = root.get("groups");
    if (list == null || !list.isArray()) {
      throw new GroupsException("groups file needs a top-level \"groups\" array");
    }
    Map<String, CyclicGroup> groups = new LinkedHashMap<>();
    Map<String, String> wordOwner = new HashMap<>();
    for (JsonNode node : list) {
      String name = node.path("name").asText("");
      if (name.isBlank()) {
        throw new GroupsException("a group has no \"name\"");
      }
      if (groups.containsKey(name)) {
        throw new GroupsException("group '" + name + "' is defined twice");
      }
      JsonNode orbits = node.get("orbits");
      if (orbits == null || !orbits.isArray() || orbits.isEmpty()) {
        throw new GroupsException("group '" + name + "' is empty: it needs at least one orbit");
      }
      int[][] tokens = new int[orbits.size()][];
      String[][] words = new String[orbits.size()][];
      for (int o = 0; o < orbits.size(); o++) {
        JsonNode orbit = orbits.get(o);
        if (!orbit.isArray() || orbit.isEmpty()) {
          throw new GroupsException("group '" + name + "': orbit " + o + " is empty");
        }
        tokens[o] = new int[orbit.size()];
        words[o] = new String[orbit.size()];
        for (int p = 0; p < orbit.size(); p++) {
          String word = orbit.get(p).asText();
          String place = "group '" + name + "' orbit " + o;
          String previous = wordOwner.putIfAbsent(word, place);
          if (previous != null) {
            throw new GroupsException("word '" + word + "' appears in " + previous + " and in " + place);
          }
          int id = tokenizer.singleTokenId(word);
          if (id < 0) {
            throw new GroupsException("group '" + name + "': word '" + word + "' is not exactly one token ("
                + Arrays.toString(tokenizer.encode(word)) + "); orbit words must be single tokens");
          }
          tokens[o][p] = id;
          words[o][p] = word;
        }
      }
      groups.put(name, new CyclicGroup(name, tokens, words));
    }
    if (groups.isEmpty()) {
      throw new GroupsException("groups file defines no groups");
    }
    return new GroupCatalog(groups);
  }

  public List<String> names() {
    return List.copyOf(groups.keySet());
  }

  /** The product of the named groups (all of them for an empty list), in the file's order. */
  public ProductGroup select(List<String> names) {
    if (names == null || names.isEmpty()) {
      return new ProductGroup(new ArrayList<>(groups.values()));
    }
    List<CyclicGroup> chosen = new ArrayList<>();
    for (String name : groups.keySet()) {
      if (names.contains(name)) {
        chosen.add(groups.get(name));
      }
    }
    for (String name : names) {
      if (!groups.containsKey(name)) {
        throw new GroupsException("unknown group '" + name + "' (known: " + String.join(", ", groups.keySet()) + ")");
      }
    }
    return new ProductGroup(chosen);
  }
}
