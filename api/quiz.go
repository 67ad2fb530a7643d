package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/web"
)

// Counter names of the awareness check in the StatsStore. They are the only
// trace a quiz leaves: no answer, IP, cookie or time finer than the day.
const (
	counterQuizCompleted = "quiz:completed"
	counterQuizPassed    = "quiz:passed"
)

// quizState is the validated quiz and its JSON, encoded once: the page asks
// for it on every visit and it never changes while the server runs.
type quizState struct {
	quiz *web.Quiz
	body []byte
}

func newQuizState(q *web.Quiz) *quizState {
	if q == nil {
		var err error
		if q, err = web.DefaultQuiz(); err != nil {
			// The embedded file is part of the build and web's tests
			// validate it: failing here is a build defect.
			panic(fmt.Sprintf("api: %v", err))
		}
	}
	b, err := json.Marshal(q)
	if err != nil {
		panic(fmt.Sprintf("api: encode quiz: %v", err))
	}
	return &quizState{quiz: q, body: b}
}

// getQuiz answers GET /v1/quiz: the cards, with their answers. The check
// runs in the page, so the answers are no secret; what the centre counts
// is only the final score the page sends.
func (s *Server) getQuiz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Status(http.StatusOK).Send(s.quiz.body)
}

// QuizResult is the body of POST /v1/quiz/results.
type QuizResult struct {
	// Score is the number of cards answered right.
	Score *int `json:"score"`
}

// QuizResultResponse answers POST /v1/quiz/results.
type QuizResultResponse struct {
	Score     int  `json:"score"`
	Questions int  `json:"questions"`
	Passed    bool `json:"passed"`
}

// postQuizResult counts one completed quiz in today's counters, and a pass
// when the score reaches the pass mark. Nothing else is kept: not the
// answers, not the client's address.
func (s *Server) postQuizResult(c *fiber.Ctx) error {
	if s.cfg.Stats == nil {
		return notConfigured("stats")
	}
	var in QuizResult
	if err := decodeJSON(c.Body(), &in); err != nil {
		return err
	}
	n := len(s.quiz.quiz.Questions)
	if in.Score == nil {
		return badRequest("score: required")
	}
	if *in.Score < 0 || *in.Score > n {
		return badRequest("score: want 0 to %d", n)
	}
	passed := *in.Score >= s.quiz.quiz.PassMark
	deltas := map[string]int64{counterQuizCompleted: 1}
	if passed {
		deltas[counterQuizPassed] = 1
	}
	day := s.cfg.Now().In(s.cfg.Location).Format(time.DateOnly)
	if err := s.cfg.Stats.AddCounters(c.UserContext(), day, deltas); err != nil {
		return fmt.Errorf("api: count quiz result: %w", err)
	}
	return c.Status(http.StatusCreated).JSON(QuizResultResponse{Score: *in.Score, Questions: n, Passed: passed})
}

// QuizStats are the awareness check's counts over the days of /v1/stats.
type QuizStats struct {
	// Completed quizzes, and Passed: those that reached the pass mark.
	Completed int64 `json:"completed"`
	Passed    int64 `json:"passed"`
	// Share is Passed / Completed, 0 before any quiz.
	Share float64 `json:"share"`
	// PassMark and Questions say what passed means ("8 of 10").
	PassMark  int `json:"pass_mark"`
	Questions int `json:"questions"`
	// Goal is the share the centre aims for, 0 when not set.
	Goal float64 `json:"goal,omitempty"`
}

// quizStats sums the quiz counters of the days given.
func (s *Server) quizStats(days map[string]map[string]int64) QuizStats {
	qs := QuizStats{PassMark: s.quiz.quiz.PassMark, Questions: len(s.quiz.quiz.Questions), Goal: s.quiz.quiz.Goal}
	for _, counters := range days {
		qs.Completed += counters[counterQuizCompleted]
		qs.Passed += counters[counterQuizPassed]
	}
	if qs.Completed > 0 {
		qs.Share = float64(qs.Passed) / float64(qs.Completed)
	}
	return qs
}
