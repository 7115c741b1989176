// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `prefix_tree<Value>`: a radix tree over byte strings.

    Used for subscriptions: PUB/XPUB keep, per topic prefix, the set of
    peers subscribed to it; SUB/XSUB keep a reference count per topic.
    Matching a message walks at most the length of its first frame, whatever
    the number of subscriptions. Edges carry whole label strings, so memory
    grows with the bytes of distinct subscriptions, not with one node per
    byte; every algorithm is iterative, so a hostile 64 KiB topic cannot
    exhaust the stack (libzmq's mtrie had exactly that bug before 4.3.3).
*/

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zmtp::patterns {

template <class Value>
class prefix_tree {
public:
    prefix_tree() { nodes_.emplace_back(); }

    /// The value stored under exactly `key`, created (default) if absent.
    Value& at(std::string_view key)
    {
        std::uint32_t n = 0;
        std::size_t pos = 0;
        while (pos < key.size()) {
            const std::uint32_t c = child(n, key[pos]);
            if (c == none) {
                const std::uint32_t fresh = make_node(std::string(key.substr(pos)));
                add_child(n, fresh);
                return nodes_[fresh].value;
            }
            const std::string& label = nodes_[c].label;
            const std::size_t common = common_prefix(label, key.substr(pos));
            if (common < label.size())
                split(n, c, common);
            // After a split, the child at key[pos] has a label of `common` bytes.
            n = child(n, key[pos]);
            pos += common;
        }
        return nodes_[n].value;
    }

    /// The value stored under exactly `key`, or null.
    Value* find(std::string_view key)
    {
        const std::uint32_t n = locate(key);
        return n == none ? nullptr : &nodes_[n].value;
    }

    /** Removes the node of `key` if `is_empty(value)`, merging what the
        removal leaves behind, so the tree never keeps dead branches. */
    template <class IsEmpty>
    void prune(std::string_view key, IsEmpty is_empty)
    {
        std::vector<std::uint32_t> path{0};
        std::size_t pos = 0;
        while (pos < key.size()) {
            const std::uint32_t c = child(path.back(), key[pos]);
            if (c == none || !starts_with(key.substr(pos), nodes_[c].label))
                return;
            pos += nodes_[c].label.size();
            path.push_back(c);
        }
        // Walk back up, removing or merging empty nodes (never the root).
        while (path.size() > 1) {
            const std::uint32_t n = path.back();
            const std::uint32_t parent = path[path.size() - 2];
            if (!is_empty(nodes_[n].value))
                break;
            if (nodes_[n].children.empty()) {
                remove_child(parent, n);
                release(n);
                path.pop_back();
                continue; // the parent may now be mergeable
            }
            if (nodes_[n].children.size() == 1)
                merge_with_child(n);
            break;
        }
        const std::uint32_t top = path.back();
        if (path.size() > 1 && is_empty(nodes_[top].value) && nodes_[top].children.size() == 1)
            merge_with_child(top);
    }

    /// Calls fn(value) for every stored key that is a prefix of `data`, shortest first.
    template <class Fn>
    void for_each_prefix_of(std::string_view data, Fn&& fn)
    {
        std::uint32_t n = 0;
        std::size_t pos = 0;
        fn(nodes_[0].value);
        while (pos < data.size()) {
            const std::uint32_t c = child(n, data[pos]);
            if (c == none || !starts_with(data.substr(pos), nodes_[c].label))
                return;
            pos += nodes_[c].label.size();
            n = c;
            fn(nodes_[n].value);
        }
    }

    /// Calls fn(key, value) for every node (the caller skips empty values).
    template <class Fn>
    void for_each(Fn&& fn)
    {
        std::string key;
        // (node, length of key before this node's label)
        std::vector<std::pair<std::uint32_t, std::size_t>> stack{{0, 0}};
        while (!stack.empty()) {
            const auto [n, len] = stack.back();
            stack.pop_back();
            key.resize(len);
            key += nodes_[n].label;
            fn(std::string_view(key), nodes_[n].value);
            for (std::uint32_t c : nodes_[n].children)
                stack.emplace_back(c, key.size());
        }
    }

    /// Number of live nodes, the root included (for tests and statistics).
    std::size_t node_count() const noexcept { return nodes_.size() - free_.size(); }

private:
    static constexpr std::uint32_t none = 0xFFFFFFFFu;

    struct node {
        std::string label;
        Value value{};
        std::vector<std::uint32_t> children; // sorted by first label byte
    };

    static bool starts_with(std::string_view s, std::string_view prefix) noexcept
    {
        return s.substr(0, prefix.size()) == prefix;
    }

    static std::size_t common_prefix(std::string_view a, std::string_view b) noexcept
    {
        std::size_t i = 0;
        while (i < a.size() && i < b.size() && a[i] == b[i])
            ++i;
        return i;
    }

    std::uint32_t child(std::uint32_t n, char first) const noexcept
    {
        for (std::uint32_t c : nodes_[n].children)
            if (nodes_[c].label[0] == first)
                return c;
        return none;
    }

    std::uint32_t locate(std::string_view key) const noexcept
    {
        std::uint32_t n = 0;
        std::size_t pos = 0;
        while (pos < key.size()) {
            const std::uint32_t c = child(n, key[pos]);
            if (c == none)
                return none;
            const std::string& label = nodes_[c].label;
            if (key.size() - pos < label.size() || !starts_with(key.substr(pos), label))
                return none;
            pos += label.size();
            n = c;
        }
        return n;
    }

    std::uint32_t make_node(std::string label)
    {
        if (!free_.empty()) {
            const std::uint32_t n = free_.back();
            free_.pop_back();
            nodes_[n] = node{std::move(label), Value{}, {}};
            return n;
        }
        nodes_.push_back(node{std::move(label), Value{}, {}});
        return static_cast<std::uint32_t>(nodes_.size() - 1);
    }

    void release(std::uint32_t n)
    {
        nodes_[n] = node{};
        free_.push_back(n);
    }

    void add_child(std::uint32_t parent, std::uint32_t c) { nodes_[parent].children.push_back(c); }

    void remove_child(std::uint32_t parent, std::uint32_t c)
    {
        auto& ch = nodes_[parent].children;
        for (auto it = ch.begin(); it != ch.end(); ++it)
            if (*it == c) {
                ch.erase(it);
                return;
            }
    }

    // Cuts child c of n after `at` label bytes, inserting a middle node.
    void split(std::uint32_t n, std::uint32_t c, std::size_t at)
    {
        const std::uint32_t mid = make_node(nodes_[c].label.substr(0, at));
        nodes_[c].label.erase(0, at);
        nodes_[mid].children.push_back(c);
        for (auto& x : nodes_[n].children)
            if (x == c)
                x = mid;
    }

    void merge_with_child(std::uint32_t n)
    {
        const std::uint32_t c = nodes_[n].children.front();
        nodes_[n].label += nodes_[c].label;
        nodes_[n].value = std::move(nodes_[c].value);
        nodes_[n].children = std::move(nodes_[c].children);
        release(c);
    }

    std::vector<node> nodes_; // [0] is the root, with an empty label
    std::vector<std::uint32_t> free_;
};

} // namespace zmtp::patterns
