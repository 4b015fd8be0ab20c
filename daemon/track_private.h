/*
 * What the tracker's files share: the tracker, its git jobs and the
 * calls between its parts. Only track*.c include it.
 */
#ifndef TRACK_PRIVATE_H
#define TRACK_PRIVATE_H

enum track_kind {
	TRACK_SETUP,
	TRACK_RUN,
	TRACK_BISECT,
	TRACK_TICK,
	TRACK_FETCH
};

struct track_job {
	uv_work_t		 work;
	struct track		*t;
	enum track_kind		 kind;
	int64_t			 id;		/* run, bisection or project */
	uint64_t		 seq;		/* fetch: the request it answers */
	struct tracked_project	 project;
	char			*rev;		/* run: rev; bisect: good */
	char			*rev2;		/* bisect: bad */

	char			*error;
	char			*commit;	/* bisect: good; else a head */
	char			*commit2;	/* bisect: bad */
	char			*package;	/* setup, tick: root package */
	struct run_prep		 prep;		/* run: what git found */
};

/* Fetches asked of one project through the API, and how the last ended. */
struct track_fetch {
	int64_t			 project;
	uint64_t		 asked;		/* the newest request */
	uint64_t		 done;		/* the newest one answered */
	int			 running;
	char			*error;		/* the last fetch's, or NULL */
};

struct track {
	uv_loop_t		*loop;
	struct store		*store;
	const struct planner	*planner;
	struct notify		*notify;
	uv_timer_t		 kicker;
	uv_timer_t		 ticker;
	struct track_job	*job;		/* the one on the thread pool */
	int64_t			*due;		/* projects whose tick is due */
	size_t			 ndue;
	int64_t			*ticking;	/* ticks under way */
	size_t			 nticking;
	struct track_fetch	*fetches;	/* fetches asked, by project */
	size_t			 nfetches;
	uint64_t		 fetch_seq;	/* the last fetch asked */
	int			 stopping;
	int			 following;	/* another daemon leads */
	void			(*ask)(void *);	/* asks the leader instead */
	void			*ask_arg;
};

/* track.c */
void		 track_job_free(struct track_job *);

/* track_git.c */
void		 track_work(uv_work_t *);

/* track_bisect.c */
int		 track_bootstrap(struct track *, const struct tracked_project *);
void		 track_bisect(struct track *, int64_t);
void		 track_bisect_all(struct track *);

/* track_alert.c */
void		 track_alerts(struct track *, const struct tracked_project *);
void		 track_deliver(struct track *, const struct tracked_project *,
		    const char *, const cJSON *);
void		 track_detect(struct track *, int64_t);
void		 track_project_changed(struct track *, int64_t);

/* track_speed.c */
void		 track_speed(struct track *, const struct tracked_project *);

#endif
